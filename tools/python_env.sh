# Sourced by the tools/*.sh scripts to choose their interpreter: PYTHON from the environment,
# else the project's venv (tools/install.sh makes it), else `python` on the PATH. One line on
# stderr says which, so that a run in the wrong environment shows at once.
_coc_venv_python="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.venv/bin/python"
if [[ -n "${PYTHON:-}" ]]; then
  _coc_why='set by PYTHON'
elif [[ -x "$_coc_venv_python" ]]; then
  PYTHON=$_coc_venv_python _coc_why="the project's venv"
else
  PYTHON=python _coc_why='no .venv here (bash tools/install.sh makes it): python on the PATH'
fi
echo "[coc] Python: $PYTHON ($_coc_why)" >&2
unset _coc_venv_python _coc_why
