# stevedore as a container image: one static binary on an empty base.
#
# The binary is built first (nothing is compiled in here, and no base image is pulled):
#   RUSTFLAGS='-C target-feature=+crt-static' \
#     cargo build --release --locked --target x86_64-unknown-linux-gnu
#   scripts/image-context.sh            # the CA bundle and the empty /tmp, under target/image/
#   docker build -t stevedore .
# Use:
#   docker run --rm -v "$PWD:/src" stevedore config /src
#   docker run --rm -v "$PWD:/src" stevedore image /src/app.tar
FROM scratch

ARG BINARY=target/x86_64-unknown-linux-gnu/release/stevedore
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z

# /etc/ssl/certs/ca-certificates.crt, registry TLS is checked against it (the build machine's
# bundle), and /tmp, where compressed archives are spooled: sticky and world-writable. Prepared
# by scripts/image-context.sh (COPY of a directory copies its contents, so the tree is copied
# whole to keep /tmp's mode).
COPY target/image/rootfs/ /
COPY ${BINARY} /usr/local/bin/stevedore

LABEL org.opencontainers.image.title="stevedore" \
      org.opencontainers.image.description="Static security linter for containers: images, daemon and runtime settings, seccomp profiles" \
      org.opencontainers.image.source="https://github.com/stevedore-scanner/stevedore" \
      org.opencontainers.image.documentation="https://github.com/stevedore-scanner/stevedore/blob/main/README.md" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# A numeric user: no /etc/passwd needed, never root.
USER 65532:65532
# Paths in reports stay relative to the mounted project.
WORKDIR /src
ENV TMPDIR=/tmp
# No HEALTHCHECK: a one-shot scan has nothing to probe, and `stevedore serve` is probed on
# /healthz and /readyz by Kubernetes (deploy/serve.yaml), which ignores image healthchecks. The
# image's own scan suppresses IMG002 with this reason (docker/self-scan.yaml).
ENTRYPOINT ["/usr/local/bin/stevedore"]
CMD ["--help"]
