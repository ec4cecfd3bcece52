/* intake: everything a plugin needs, in one include. */
#ifndef INTAKE_INTAKE_H
#define INTAKE_INTAKE_H
#include "error.h"
#include "host.h"
#include "option.h"
#include "plugin.h"
#include "span.h"
#include <intake/version.h>
#endif
