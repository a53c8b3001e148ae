# kassa: a static binary on distroless, running as a non-root user.
#   docker build -t kassa .
#   docker run -p 8080:8080 -v kassa-data:/data kassa
# Configuration: KASSA_* environment variables (docs/configuration.md), e.g.
#   -e KASSA_STORE_FILE=/run/secrets/kassa-store -e KASSA_RELOAD_GATEWAY=webhook

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go: the binary needs no libc.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kassa ./cmd/kassa \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kassa /usr/local/bin/kassa
# The data directory belongs to the nonroot user (65532) so that kassa can
# create the database, the pepper and the tokens in it.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kassa"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
