#!/usr/bin/env bash
# Installs the AWS emulator used by the end-to-end tests, the demo and the benchmark into .moto/
# (a Python virtual environment; moto is test tooling, not part of the tool). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
if [ -x .moto/bin/moto_server ] && .moto/bin/python -c "import moto,sys; sys.exit(0 if moto.__version__=='$MOTO_VERSION' else 1)" 2>/dev/null; then
  echo "moto $MOTO_VERSION already in .moto"
  exit 0
fi
python3 -m venv .moto
.moto/bin/pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
echo "moto $(.moto/bin/python -c 'import moto; print(moto.__version__)') installed in .moto"
