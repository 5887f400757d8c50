# Release image of the vouch binary. Used by docker-compose.yml.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin vouch

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/vouch vouch
COPY --from=build /src/target/release/vouch /usr/local/bin/vouch
USER vouch
WORKDIR /var/lib/vouch
EXPOSE 8080
ENTRYPOINT ["vouch"]
CMD ["serve"]
