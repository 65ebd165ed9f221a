# Dataland images for compose.yml: the three binaries built on Debian 12
# against its packaged libraries, a runtime image that carries only the
# shared libraries they load and runs as the unprivileged user
# "dataland", and an nginx image on the same base so that the www-data
# group (gid 33) agrees across the shared socket volume.
#
#   docker build --target runtime -t dataland/agent:latest .
#   docker build --target nginx -t dataland/nginx:latest .

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	build-essential pkg-config libfcgi-dev libpq-dev libjson-c-dev \
	libargon2-dev libssl-dev libcurl4-openssl-dev libsystemd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# `make install` copies sql/, nginx/, systemd/, README.md and docs/ too;
# .dockerignore keeps tests, build output and secrets out.
COPY Makefile README.md ./
COPY fcgi ./fcgi
COPY sql ./sql
COPY scripts ./scripts
COPY nginx ./nginx
COPY systemd ./systemd
COPY docs ./docs
RUN make -j"$(nproc)" all \
 && make install PREFIX=/usr/local DESTDIR=/out

# The service user belongs to www-data so that it may give its socket to
# that group (SOCKET_GROUP); the socket and key directories exist in the
# image so that fresh volumes take their owner and mode from it.
FROM debian:12-slim AS base
RUN groupadd --system --gid 10001 dataland \
 && useradd --system --uid 10001 --gid dataland --groups www-data \
	--home-dir /var/lib/dataland --no-create-home \
	--shell /usr/sbin/nologin dataland \
 && install -d -o dataland -g www-data -m 0750 /run/dataland \
 && install -d -o dataland -g dataland -m 0700 /var/lib/dataland

# cgi-fcgi (libfcgi-bin) is the compose healthcheck: it asks a service's
# socket for /healthz as nginx would.
FROM base AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
	libfcgi0ldbl libpq5 libjson-c5 libargon2-1 libssl3 libcurl4 \
	ca-certificates openssl postgresql-client-15 libfcgi-bin \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/usr/local /usr/local
USER dataland
ENV APP_ENV=production \
    AUTH_DATA_DIR=/var/lib/dataland \
    AGENT_SOCKET=/run/dataland/agent.sock \
    AUTH_SOCKET=/run/dataland/auth.sock \
    SOCKET_GROUP=www-data
STOPSIGNAL SIGTERM
CMD ["/usr/local/bin/dataland-agent"]

# The rate limits are rendered at start by scripts/nginx-limits.sh
# (compose.yml mounts it; sh and sed suffice); curl is the healthcheck. The
# master starts as root to bind 443 and read the key; its workers run
# as www-data (nginx/dataland.conf).
FROM base AS nginx
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx curl \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && ln -sf /dev/stderr /var/log/nginx/error.log \
 && ln -sf /dev/stdout /var/log/nginx/dataland-access.log
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
