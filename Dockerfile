# mtls-proxy container image: builds the release archive from this source tree, then runs it on a JRE.
#   docker build -t mtls-proxy .
#   docker run --read-only --tmpfs /tmp -v /srv/mtls-proxy:/etc/mtls-proxy:ro -p 443:8443 mtls-proxy
# The configuration (and its certificates) are mounted at /etc/mtls-proxy; see README "Container".

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# the archive the tests ran against in CI, unpacked where the next stage copies from
RUN mvn -B -q -DskipTests package -pl dist -am \
 && mkdir -p /unpacked \
 && tar -xzf dist/target/mtls-proxy-*.tar.gz -C /unpacked --strip-components=1

FROM eclipse-temurin:17-jre
# curl: the health check below; a system user with a fixed uid so mounted files can be made readable to it
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/mtls-proxy --shell /usr/sbin/nologin mtls-proxy \
 && install -d -o mtls-proxy -g mtls-proxy -m 0750 /var/lib/mtls-proxy /var/log/mtls-proxy \
 && install -d -m 0755 /etc/mtls-proxy
COPY --from=build /unpacked/bin /opt/mtls-proxy/bin
COPY --from=build /unpacked/lib /opt/mtls-proxy/lib
COPY --from=build /unpacked/conf /opt/mtls-proxy/conf
COPY --from=build /unpacked/LICENSE /unpacked/sbom.cdx.json /opt/mtls-proxy/
USER 10001:10001
WORKDIR /var/lib/mtls-proxy
# 8443: a listener as the examples configure it (bind 0.0.0.0 inside the container); 9901: the admin endpoint
EXPOSE 8443 9901
# /readyz: 200 once every listener is bound, 503 while starting or draining. The admin endpoint must listen on
# 127.0.0.1:9901 inside the container (the default) or on 0.0.0.0:9901.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9901/readyz"]
# exec form, and the launcher execs java: the JVM is PID 1 and gets docker stop's SIGTERM (a graceful drain)
ENTRYPOINT ["/opt/mtls-proxy/bin/mtls-proxy"]
CMD ["run", "--config", "/etc/mtls-proxy/mtls-proxy.conf"]
