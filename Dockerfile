# syntax=docker/dockerfile:1
# Two stages: a static binary built with the Go toolchain, then a distroless image
# that holds only that binary and runs as a non-root user. Configuration is by
# environment variables only (see README.md).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY server ./server
COPY internal ./internal
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/parallax ./server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parallax /parallax
# The embedded store's snapshot folder, used when PARALLAX_REDIS_URL is unset.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PARALLAX_ADDR=:8080 \
    PARALLAX_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/parallax"]
CMD ["serve"]
