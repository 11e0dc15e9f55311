#!/usr/bin/env bash
# Manage the CUENTY stack on Docker Swarm.
#
#   deploy.sh init                      create the swarm if needed, then the secrets
#   deploy.sh deploy                    deploy or update every service, then migrate
#   deploy.sh status                    list the services and their running tasks
#   deploy.sh scale SERVICE=N...        change replica counts (until the next deploy)
#   deploy.sh update IMAGE [SERVICE...] migrate with IMAGE, then roll the services to it
#   deploy.sh rollback [SERVICE...]     return services to their previous definition
#   deploy.sh migrate [IMAGE]           run `cuenty db upgrade` once as a Swarm job
#
# Settings come from deploy/swarm/.env (CUENTY_ENV_FILE); secrets from the files in
# CUENTY_SECRETS_DIR, one file per secret, named as in SECRETS below.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STACK_FILE="$HERE/docker-stack.yml"
ENV_FILE="${CUENTY_ENV_FILE:-$HERE/.env}"

# The API services and the worker: everything that runs the CUENTY image.
APP_SERVICES=(auth payments subscriptions notifications analytics chatwoot compliance admin worker)
SECRETS=(
  cuenty_secret_key
  cuenty_encryption_key
  cuenty_api_key_hmac_secret
  cuenty_pgpass
  cuenty_payments_bank_webhook_secrets
  cuenty_postgres_password
  cuenty_postgres_replication_password
  cuenty_grafana_admin_password
  cuenty_tls_certificate
  cuenty_tls_key
  cuenty_stp_client_ca
)
# Secrets the app rejects in production mode when shorter than 32 characters.
LONG_SECRETS=(cuenty_secret_key cuenty_encryption_key cuenty_api_key_hmac_secret)

fail() {
  echo "deploy.sh: $*" >&2
  exit 1
}

load_env() {
  [[ -f "$ENV_FILE" ]] || fail "settings file $ENV_FILE not found; copy .env.example to .env and edit it"
  # Each NAME=value line is exported literally, as Docker reads an env_file: no quotes are
  # removed and nothing is evaluated, so a value may contain spaces or `$`.
  local line
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    export "${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
  done <"$ENV_FILE"
  STACK="${CUENTY_STACK:-cuenty}"
  export CUENTY_ENV_FILE="$ENV_FILE"
}

require_docker() {
  command -v docker >/dev/null || fail "the docker command is not installed"
}

cmd_init() {
  require_docker
  local state
  state="$(docker info --format '{{.Swarm.LocalNodeState}}')"
  if [[ "$state" != "active" ]]; then
    echo "Creating a swarm on this node (docker swarm init)"
    docker swarm init
  fi

  local dir="${CUENTY_SECRETS_DIR:-$HERE/secrets}"
  local name file
  for name in "${SECRETS[@]}"; do
    if docker secret inspect "$name" >/dev/null 2>&1; then
      echo "secret $name exists; kept"
      continue
    fi
    file="$dir/$name"
    [[ -s "$file" ]] || fail "secret file $file is missing or empty; see docs/en/operations.md"
    if [[ " ${LONG_SECRETS[*]} " == *" $name "* ]] && (($(wc -c <"$file") < 32)); then
      fail "secret $file is shorter than 32 characters; generate one with: openssl rand -base64 48"
    fi
    docker secret create "$name" "$file" >/dev/null
    echo "secret $name created"
  done
  echo "Label the nodes before the first deploy (docs/en/operations.md, Deploy)."
}

cmd_deploy() {
  require_docker
  load_env
  docker stack deploy --with-registry-auth --compose-file "$STACK_FILE" "$STACK"
  wait_for_service postgres-primary
  cmd_migrate "${CUENTY_IMAGE:-}"
}

cmd_status() {
  require_docker
  load_env
  docker stack services "$STACK"
  docker stack ps --filter desired-state=running \
    --format 'table {{.Name}}\t{{.Image}}\t{{.Node}}\t{{.CurrentState}}\t{{.Error}}' "$STACK"
}

cmd_scale() {
  require_docker
  load_env
  (($# > 0)) || fail "usage: deploy.sh scale SERVICE=N [SERVICE=N...]"
  local pairs=() pair
  for pair in "$@"; do
    [[ "$pair" =~ ^[a-z0-9-]+=[0-9]+$ ]] || fail "invalid argument $pair; expected SERVICE=N, e.g. payments=4"
    pairs+=("${STACK}_${pair}")
  done
  docker service scale "${pairs[@]}"
  echo "NOTE: the next 'deploy.sh deploy' resets replicas to docker-stack.yml; change them there to keep them."
}

cmd_update() {
  require_docker
  load_env
  (($# > 0)) || fail "usage: deploy.sh update IMAGE [SERVICE...]"
  local image="$1"
  shift
  local services=("$@")
  ((${#services[@]} > 0)) || services=("${APP_SERVICES[@]}")

  cmd_migrate "$image"
  local service
  for service in "${services[@]}"; do
    echo "Updating $service to $image"
    # update_config in docker-stack.yml applies: one task at a time, start-first, and an
    # automatic rollback when the new task fails its health check.
    docker service update --with-registry-auth --image "$image" "${STACK}_${service}"
  done
  echo "Set CUENTY_IMAGE=$image in $ENV_FILE, or the next 'deploy.sh deploy' returns to the old image."
}

cmd_rollback() {
  require_docker
  load_env
  local services=("$@")
  ((${#services[@]} > 0)) || services=("${APP_SERVICES[@]}")
  local service
  for service in "${services[@]}"; do
    echo "Rolling back $service"
    docker service rollback "${STACK}_${service}"
  done
}

# Runs the migrations with the same database settings and secrets as the services.
cmd_migrate() {
  require_docker
  [[ -n "${STACK:-}" ]] || load_env
  local image="${1:-${CUENTY_IMAGE:-}}"
  [[ -n "$image" ]] || fail "no image: pass one or set CUENTY_IMAGE in $ENV_FILE"
  local name
  name="${STACK}_migrate_$(date -u +%Y%m%d%H%M%S)"
  echo "Migrating the database with $image (job $name)"
  docker service create --name "$name" --mode replicated-job --restart-condition none \
    --with-registry-auth --detach=false \
    --network "${STACK}_data" \
    --secret source=cuenty_pgpass,target=pgpass,uid=10001,gid=10001,mode=0400 \
    --secret cuenty_secret_key --secret cuenty_encryption_key --secret cuenty_api_key_hmac_secret \
    --env CUENTY_ENVIRONMENT=production \
    --env CUENTY_DATABASE_URL=postgresql+psycopg://cuenty@postgres-primary:5432/cuenty \
    --env PGPASSFILE=/run/secrets/pgpass \
    --env CUENTY_SECRET_KEY_FILE=/run/secrets/cuenty_secret_key \
    --env CUENTY_ENCRYPTION_KEY_FILE=/run/secrets/cuenty_encryption_key \
    --env CUENTY_API_KEY_HMAC_SECRET_FILE=/run/secrets/cuenty_api_key_hmac_secret \
    "$image" db upgrade
  local state
  state="$(docker service ps --format '{{.CurrentState}}' "$name" | head -n 1)"
  docker service logs "$name" || true
  docker service rm "$name" >/dev/null
  [[ "$state" == Complete* ]] || fail "migration job $name ended in state '$state'; nothing was updated"
}

wait_for_service() {
  local service="${STACK}_$1" attempt
  for attempt in $(seq 1 60); do
    if docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$service" |
      grep -q '^Running'; then
      return 0
    fi
    echo "waiting for $service to run (attempt $attempt of 60)"
    sleep 5
  done
  fail "$service is not running after 300 s; see: docker service ps --no-trunc $service"
}

usage() {
  sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local command="${1:-}"
  (($# > 0)) && shift
  case "$command" in
    init) cmd_init "$@" ;;
    deploy) cmd_deploy "$@" ;;
    status) cmd_status "$@" ;;
    scale) cmd_scale "$@" ;;
    update) cmd_update "$@" ;;
    rollback) cmd_rollback "$@" ;;
    migrate)
      load_env
      cmd_migrate "$@"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
