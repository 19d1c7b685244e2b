# Multi-stage build: compile with the Rust toolchain, run from a small Debian image as a non-root user.
# (No Docker engine runs on the project's machines: this file is kept correct by reading.)
# The dependencies are built in a layer of their own (cargo-chef: the recipe holds only the
# manifests and the lock file), so a change to the sources rebuilds pcsandbox's crates alone.
FROM rust:1-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /src

FROM chef AS plan
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY --from=plan /src/recipe.json recipe.json
RUN cargo chef cook --release --locked -p pcsandbox --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked -p pcsandbox \
 && strip target/release/pcsandbox

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --create-home pcsandbox
COPY --from=build /src/target/release/pcsandbox /usr/local/bin/pcsandbox
USER pcsandbox
WORKDIR /data
VOLUME ["/data"]
# Inside a container the listener must bind all interfaces, so the control plane needs a key:
# set PCSANDBOX_ADMIN_KEY when running the image.
ENV PCSANDBOX_BIND=0.0.0.0:8080 \
    PCSANDBOX_HTTPS_BIND=0.0.0.0:8443 \
    PCSANDBOX_DATABASE=/data/pcsandbox.db \
    RUST_LOG=info,sqlx=warn
EXPOSE 8080 8443
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["pcsandbox"]
CMD ["serve"]
