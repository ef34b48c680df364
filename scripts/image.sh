#!/usr/bin/env bash
# Builds the project's Dockerfile, unchanged, into an OCI image with buildah: no Docker engine needed.
#
#   scripts/image.sh          build (or reuse) the image; prints its name on stdout, progress on stderr
#   scripts/image.sh env      prints the CONTAINERS_CONF / CONTAINERS_STORAGE_CONF exports for podman/buildah
#   scripts/image.sh clean    removes the image storage and everything this script cached
#   (also: npm run image [-- env|clean])
#
# Then:  eval "$(scripts/image.sh env)"; podman run --rm "$(scripts/image.sh)" spec
#
# - Base image: `FROM node:22-slim` is pulled once when a registry answers. Where none does (an offline CI
#   machine), a stand-in with the same name is made from Debian's archive (mmdebstrap minbase) plus the
#   official Node binary from the npm registry (the node-linux-<arch> package), laid out as in node:22-slim.
#   The stand-in carries the label org.source-intercom.stand-in=<hash of its recipe>; it is rebuilt when the
#   recipe changes.
# - Cache: the image is tagged dev-<hash of the files the Dockerfile copies, the Dockerfile, .dockerignore
#   and the base image id>; when that tag exists nothing is built. `--layers` keeps the npm ci steps cached
#   when only the sources change. The newest 3 dev-* tags are kept.
# - Storage: a private store (overlay) and engine settings under $SOURCE_INTERCOM_IMAGE_DIR (default
#   /var/tmp/source-intercom-image, or ...-<uid> when not root); the host's own container storage is never
#   touched. A lock serialises runs that share it. Temporary files go under a mktemp dir removed at exit.
# - Engine settings for this machine kind (harmless elsewhere): runtime runc (crun refuses hybrid cgroup
#   v1/v2 hosts), cgroupfs, default ulimits no higher than this shell's hard limits (the runtime lacks
#   CAP_SYS_RESOURCE to raise them), host networking for the build.
# Tested as root on Debian 12 (buildah 1.28, podman 4.3). Needs: buildah, podman, runc; for the stand-in
# also mmdebstrap and npm. Debian: apt-get install --no-install-recommends podman buildah runc crun conmon
# mmdebstrap uidmap fuse-overlayfs slirp4netns netavark aardvark-dns containernetworking-plugins
# golang-github-containers-common
#
# Env knobs: SOURCE_INTERCOM_IMAGE_DIR, IMAGE_PULL_TIMEOUT (seconds for the base pull attempt, default 30;
# 0 skips it), NODE_MAJOR (22, must match the Dockerfile), NPM_MAJOR (10).
set -euo pipefail

PROJ=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${SOURCE_INTERCOM_IMAGE_DIR:-/var/tmp/source-intercom-image$([ "$(id -u)" = 0 ] || echo "-$(id -u)")}
REPO=localhost/airbyte/source-intercom-ts
NODE_MAJOR=${NODE_MAJOR:-22}
NPM_MAJOR=${NPM_MAJOR:-10}
BASE=docker.io/library/node:${NODE_MAJOR}-slim   # what "FROM node:22-slim" resolves to
STAND_IN_LABEL=org.source-intercom.stand-in
KEEP_TAGS=3

log() { printf '[image %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'image.sh: %s\n' "$*" >&2; exit 1; }

print_env() { printf 'export CONTAINERS_CONF=%q CONTAINERS_STORAGE_CONF=%q\n' "$DIR/containers.conf" "$DIR/storage.conf"; }

write_conf() {
  mkdir -p "$DIR"
  local nofile; nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
  cat >"$DIR/containers.conf.new" <<EOF
# Written by scripts/image.sh.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
  cat >"$DIR/storage.conf.new" <<EOF
# Written by scripts/image.sh.
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "$DIR/run"
EOF
  mv "$DIR/containers.conf.new" "$DIR/containers.conf"
  mv "$DIR/storage.conf.new" "$DIR/storage.conf"
  export CONTAINERS_CONF="$DIR/containers.conf" CONTAINERS_STORAGE_CONF="$DIR/storage.conf"
}

case "${1:-build}" in
  env) print_env; exit 0 ;;
  clean)
    if [ -d "$DIR" ]; then
      write_conf
      exec 9>"$DIR/lock"; flock 9
      buildah rm --all >/dev/null 2>&1 || true
      podman system reset --force >/dev/null 2>&1 || true
      rm -rf "$DIR"
    fi
    echo "removed $DIR" >&2; exit 0 ;;
  build) ;;
  *) die "unknown command '$1' (build, env or clean)" ;;
esac

for tool in buildah podman runc; do
  command -v "$tool" >/dev/null || die "$tool is not installed (Debian: apt-get install --no-install-recommends podman buildah runc ...; see the top of $0)"
done
write_conf
exec 9>"$DIR/lock"
flock 9   # one build at a time per storage (several checkouts may share it)

W=$(mktemp -d "${TMPDIR:-/tmp}/source-intercom-image.XXXXXX")
CTR=
cleanup() {
  if [ -n "$CTR" ]; then buildah rm "$CTR" >/dev/null 2>&1 || true; fi
  rm -rf "$W"
}
trap cleanup EXIT

hash_files() { (cd "$PROJ" && sha256sum "$@" | sha256sum | cut -c1-64); }

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 OCI_ARCH=amd64 ;;
  aarch64) NODE_ARCH=arm64 OCI_ARCH=arm64 ;;
  *) NODE_ARCH=$(uname -m) OCI_ARCH=$(uname -m) ;;
esac
CA_BUNDLE=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}

# The stand-in node:22-slim: Debian bookworm minbase + the official Node binary and npm, from the npm registry.
build_stand_in() {
  local key=$1
  command -v mmdebstrap >/dev/null || die "no $BASE could be pulled and mmdebstrap (for the stand-in base) is not installed"
  local sources=/etc/apt/sources.list.d/debian.sources
  [ -f "$sources" ] || sources=/etc/apt/sources.list
  log "stand-in $BASE: Debian bookworm minbase (mmdebstrap, mirror from $sources)"
  # Like debian:bookworm-slim: no man pages, docs (copyright kept) or locales; merged /usr from mmdebstrap's
  # hook rather than the usrmerge package (which pulls in perl, ~50 MB).
  # force-unsafe-io: no fsync per unpacked file (a throwaway rootfs; debootstrap does the same).
  mmdebstrap --variant=minbase --quiet --dpkgopt=force-unsafe-io \
    --hook-dir=/usr/share/mmdebstrap/hooks/maybe-merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    bookworm "$W/rootfs.tar" "$sources" >"$W/mmdebstrap.log" 2>&1 \
    || { tail -n 40 "$W/mmdebstrap.log" >&2; die "mmdebstrap failed (its last 40 lines are above)"; }
  log "stand-in $BASE: node $NODE_MAJOR (node-linux-$NODE_ARCH) and npm $NPM_MAJOR from the npm registry"
  mkdir -p "$W/pkgs/node" "$W/pkgs/npm"
  (cd "$W/pkgs" && npm pack --silent "node-linux-$NODE_ARCH@$NODE_MAJOR" "npm@$NPM_MAJOR" >/dev/null)
  tar -xzf "$W"/pkgs/node-linux-*.tgz -C "$W/pkgs/node"
  tar -xzf "$W"/pkgs/npm-*.tgz -C "$W/pkgs/npm"
  local node_version; node_version=$("$W/pkgs/node/package/bin/node" -p process.versions.node)
  local s="$W/stage"
  mkdir -p "$s/usr/local/bin" "$s/usr/local/lib/node_modules" "$s/etc/ssl/certs"
  cp "$W/pkgs/node/package/bin/node" "$s/usr/local/bin/node"
  cp -a "$W/pkgs/npm/package" "$s/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$s/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$s/usr/local/bin/npx"
  # Registry traffic may pass a TLS-inspecting proxy whose CA only the host trusts: give the stand-in the
  # host's bundle so `npm ci` inside the build works (a real node:22-slim has neither the bundle nor the ENV).
  cp "$CA_BUNDLE" "$s/etc/ssl/certs/ca-certificates.crt"
  tar -C "$s" --owner=0 --group=0 -cf "$W/node.tar" usr etc
  CTR=$(buildah from scratch)
  buildah add "$CTR" "$W/rootfs.tar" / >/dev/null
  buildah add "$CTR" "$W/node.tar" / >/dev/null
  buildah config --os linux --arch "$OCI_ARCH" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_VERSION="$node_version" \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --label "$STAND_IN_LABEL=$key" --cmd node "$CTR"
  buildah commit --quiet --rm "$CTR" "$BASE" >/dev/null
  CTR=
  log "stand-in $BASE: node $node_version, $(rm -rf "$W/pkgs" "$W/stage" "$W"/*.tar; echo done)"
}

# The base image: keep a pulled one; keep a stand-in of the current recipe; else pull, else make the stand-in.
ensure_base() {
  local key
  key=$( { declare -f build_stand_in; echo "$NODE_MAJOR $NPM_MAJOR $NODE_ARCH"; sha256sum <"$CA_BUNDLE"; } | sha256sum | cut -c1-16)
  if buildah inspect --type image "$BASE" >/dev/null 2>&1; then
    local label
    label=$(buildah inspect --type image --format "{{index .OCIv1.Config.Labels \"$STAND_IN_LABEL\"}}" "$BASE")
    if [ -z "$label" ] || [ "$label" = "<no value>" ]; then log "base $BASE: pulled earlier, reused"; return; fi
    if [ "$label" = "$key" ]; then log "base $BASE: stand-in $key, reused"; return; fi
    log "base $BASE: stand-in $label is from an older recipe, replaced"
    buildah rmi "$BASE" >/dev/null 2>&1 || buildah untag "$BASE" "$BASE" >/dev/null 2>&1 || true
  fi
  local t=${IMAGE_PULL_TIMEOUT:-30}
  if [ "$t" != 0 ]; then
    log "base $BASE: pulling (at most ${t}s)"
    if timeout "$t" buildah pull --quiet "$BASE" >"$W/pull.log" 2>&1; then log "base $BASE: pulled"; return; fi
    log "base $BASE: no registry answered ($(tail -c 300 "$W/pull.log" | tr '\n' ' ')); making the stand-in"
  fi
  build_stand_in "$key"
}

ensure_base
base_id=$(podman image inspect --format '{{.Id}}' "$BASE")
# What the build reads: every file the Dockerfile copies (the .dockerignore whitelist), the two files
# themselves, and the base image.
cd "$PROJ"
mapfile -t files < <({ printf '%s\n' Dockerfile .dockerignore package.json package-lock.json spec.json; ls tsconfig*.json; find src -type f; } | LC_ALL=C sort -u)
tag=dev-$( { hash_files "${files[@]}"; echo "$base_id"; } | sha256sum | cut -c1-12)
image=$REPO:$tag

if buildah inspect --type image "$image" >/dev/null 2>&1; then
  log "image $image: cached (same sources and base)"
else
  log "image $image: buildah bud of $PROJ/Dockerfile"
  t0=$SECONDS
  if ! buildah bud --isolation chroot --network host --pull=never --layers --force-rm \
      --tag "$image" "$PROJ" >"$W/bud.log" 2>&1; then
    tail -n 60 "$W/bud.log" >&2
    die "buildah bud failed (the last 60 lines of its output are above)"
  fi
  log "image $image: built in $((SECONDS - t0))s"
  # Keep the newest $KEEP_TAGS dev-* tags, then drop untagged leftovers that nothing builds on.
  podman image ls --filter "reference=$REPO" --sort created --format '{{.Repository}}:{{.Tag}}' \
    | { grep ":dev-" || true; } | { grep -v -x -F "$image" || true; } | tail -n +"$KEEP_TAGS" \
    | while read -r old; do podman rmi "$old" >/dev/null 2>&1 || true; done
  podman image prune --force >/dev/null 2>&1 || true
fi
echo "$image"
