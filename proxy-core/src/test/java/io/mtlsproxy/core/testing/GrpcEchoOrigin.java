package io.mtlsproxy.core.testing;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC origin over mTLS (client certificate required) with three hand-built methods on raw bytes, no protoc:
 * {@code test.Echo/Unary} answers {@code echo:<request>} and adds the trailer {@code x-echo-trailer},
 * {@code test.Echo/Deny} fails with PERMISSION_DENIED (a trailers-only answer), {@code test.Echo/Chat} answers
 * each message of a bidirectional stream with {@code chat:<message>}.
 */
public final class GrpcEchoOrigin implements AutoCloseable {
    public static final Metadata.Key<String> TRAILER =
            Metadata.Key.of("x-echo-trailer", Metadata.ASCII_STRING_MARSHALLER);
    public static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<byte[], byte[]> DENY = method("Deny", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<byte[], byte[]> CHAT =
            method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

    private final Server server;

    public GrpcEchoOrigin(TestPki.Leaf cert, Path clientCa) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(concat("echo:", req));
                    out.onCompleted();
                }))
                .addMethod(
                        DENY,
                        ServerCalls.asyncUnaryCall((req, out) -> out.onError(Status.PERMISSION_DENIED
                                .withDescription("not you")
                                .asRuntimeException())))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] m) {
                        out.onNext(concat("chat:", m));
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        server = Grpc.newServerBuilderForPort(
                        0,
                        TlsServerCredentials.newBuilder()
                                .keyManager(
                                        cert.certFile().toFile(), cert.keyFile().toFile())
                                .trustManager(clientCa.toFile())
                                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                                .build())
                .addService(service)
                .intercept(new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                            io.grpc.ServerCall<Q, R> call, Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        return next.startCall(
                                new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                                    @Override
                                    public void close(Status status, Metadata trailers) {
                                        trailers.put(
                                                TRAILER,
                                                "xfcc="
                                                        + headers.get(Metadata.Key.of(
                                                                "x-forwarded-client-cert",
                                                                Metadata.ASCII_STRING_MARSHALLER)));
                                        super.close(status, trailers);
                                    }
                                },
                                headers);
                    }
                })
                .build()
                .start();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static byte[] concat(String prefix, byte[] body) {
        byte[] p = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[p.length + body.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(body, 0, out, p.length, body.length);
        return out;
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(Bytes.INSTANCE)
                .setResponseMarshaller(Bytes.INSTANCE)
                .build();
    }

    /** Messages as they are: bytes in, bytes out. */
    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
