#!/usr/bin/env bash
# Install what intake needs to build, test and benchmark on Debian 12.
# Only missing packages are installed; safe to run again. Sourced or run.
set -euo pipefail

INTAKE_PACKAGES=(
  # build
  meson ninja-build pkg-config gcc libc6-dev
  # core: type detection, config, JSON, Unicode, hashing
  libmagic-dev libmagic-mgc file libinih-dev libjson-c-dev libicu-dev libssl-dev
  # store and index
  libsqlite3-dev sqlite3
  # extract_text: charset detection
  libuchardet-dev
  # detect_patterns: multi-pattern matching
  libvectorscan-dev
  # extract_image, ocr_tesseract: Leptonica, Tesseract and its language models
  libleptonica-dev libtesseract-dev tesseract-ocr tesseract-ocr-osd
  tesseract-ocr-eng tesseract-ocr-rus tesseract-ocr-kaz tesseract-ocr-kir tesseract-ocr-uzb
  tesseract-ocr-uzb-cyrl tesseract-ocr-tgk tesseract-ocr-tur tesseract-ocr-script-latn
  tesseract-ocr-script-cyrl
  # extract_pdf, export_pdf: PDF reading and rendering, PDF writing
  libpoppler-glib-dev libcairo2-dev
  # extract_mail, extract_archive: e-mail (GMime, libxml2 for HTML bodies), archives; zip for a test fixture
  libgmime-3.0-dev libxml2-dev libarchive-dev zip
  # extract_msg: Outlook .msg (libgsf's OLE2 reader; its writer makes the test fixtures);
  # encrypted 7z fixtures
  libgsf-1-dev p7zip-full
  # extract_office, export_office: zip + XML; extract_rtf/html: iconv, libxml2;
  # extract_legacy: catdoc's converters (DOC, XLS, PPT) run as limited processes
  catdoc
  # office tests: LibreOffice headless makes DOC/XLS fixtures and checks that
  # redacted DOCX/ODT open without repair; pandoc and docx2txt are benchmark peers
  libreoffice-writer-nogui libreoffice-calc-nogui pandoc docx2txt
  # extract_legacy: LibreOffice Impress reads the PowerPoint files catppt finds
  # no text in (run as a limited process); it also makes the PPT test fixtures
  libreoffice-impress-nogui
  # detect_names: common words of English and Russian (a capitalised word they
  # know in lower case is no name cue)
  hunspell-en-us hunspell-ru
  # langid: fingerprints (its benchmark peer); index: stemmers; intake serve: HTTP
  libexttextcat-dev libstemmer-dev libmicrohttpd-dev
  # tests and benchmarks: runners, peers, the style check, fixture rendering
  python3 ripgrep clang-format poppler-utils libpango1.0-dev fonts-dejavu-core
  # browser tests of intake serve: Debian's Chromium driven by playwright-core (npm)
  chromium
)

missing=()
for p in "${INTAKE_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node and npm: Debian's packages unless some other node (nodesource, nvm)
# already provides the commands; mixing the two makes apt refuse.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  echo "intake: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core for the browser tests, pinned by tests/browser/package-lock.json.
if [ -f tests/browser/package-lock.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund >/dev/null) ||
    echo "intake: npm ci in tests/browser failed: the browser tests will be skipped" >&2
fi
