# Source this file (do not execute it) to put the project's tools first on PATH:
#     source scripts/env.sh
# Prepends <repo>/.tools/bin (grpcurl, grpc-health-probe, protoc-gen-go,
# protoc-gen-go-grpc, buf) and <repo>/.venv/bin (python, pytest,
# kubernetes-validate, python -m grpc_tools.protoc). Safe to source repeatedly.
# Install the tools first with scripts/install-tools.sh.

# Find the repo root from this file's own path (bash, zsh); other shells cannot
# tell a sourced file's path, so there the repo root must be the current dir.
if [ -n "${BASH_VERSION:-}" ]; then
  eval '_project_env_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"'
elif [ -n "${ZSH_VERSION:-}" ]; then
  eval '_project_env_root="$(cd "$(dirname "${(%):-%x}")/.." && pwd -P)"'
else
  _project_env_root="$(pwd -P)"
fi
if [ ! -f "$_project_env_root/scripts/env.sh" ]; then
  echo "scripts/env.sh: cannot locate the repo root; source it from the repo root" >&2
  _project_env_root=
fi

for _project_env_dir in ${_project_env_root:+"$_project_env_root/.venv/bin" "$_project_env_root/.tools/bin"}; do
  # drop any earlier copy, then prepend: .tools/bin ends up first, .venv/bin second
  PATH=":$PATH:"
  while case "$PATH" in *":$_project_env_dir:"*) true ;; *) false ;; esac; do
    PATH="${PATH%%":$_project_env_dir:"*}:${PATH#*":$_project_env_dir:"}"
  done
  PATH="${PATH#:}"
  PATH="${PATH%:}"
  PATH="$_project_env_dir${PATH:+:$PATH}"
done
export PATH
unset _project_env_root _project_env_dir
