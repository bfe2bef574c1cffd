package io.baton.broker.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.baton.broker.testing.LocalBroker;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker's keepalive policy against a raw HTTP/2 client (grpc-java's own clients cannot ping
 * more often than every 10 s, so this one writes frames itself): pings faster than the policy
 * allows get the connection a GOAWAY with ENHANCE_YOUR_CALM ("too_many_pings"), while pings at the
 * allowed pace, or none, leave it open.
 */
class KeepaliveEnforcementIT {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SETTINGS = 0x4;
    private static final int PING = 0x6;
    private static final int GOAWAY = 0x7;
    private static final int ENHANCE_YOUR_CALM = 0xb;
    private static LocalBroker local;

    @BeforeAll
    static void start() throws Exception {
        local = LocalBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        local.close();
    }

    private static void frame(OutputStream out, int type, int flags, byte[] payload) throws IOException {
        byte[] header = {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type,
            (byte) flags, 0, 0, 0, 0};
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /** A frame read from the server: its type and payload. */
    private record Frame(int type, int flags, byte[] payload) {
    }

    private static Frame read(DataInputStream in) throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt(); // stream id
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, payload);
    }

    private static Socket connect() throws IOException {
        String[] hostPort = local.address().split(":");
        Socket s = new Socket();
        s.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5_000);
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(PREFACE);
        frame(out, SETTINGS, 0, new byte[0]);
        return s;
    }

    @Test
    void pingsFasterThanThePolicyAllowsGetTheConnectionClosedWithEnhanceYourCalm() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            Frame goAway = null;
            for (int i = 0; i < 20 && goAway == null; i++) {
                frame(out, PING, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) i});
                Thread.sleep(20);
                while (in.available() > 0 && goAway == null) {
                    Frame f = read(in);
                    if (f.type() == SETTINGS && (f.flags() & 1) == 0) {
                        frame(out, SETTINGS, 1, new byte[0]); // acknowledge the server's settings
                    }
                    goAway = f.type() == GOAWAY ? f : null;
                }
            }
            while (goAway == null) {
                Frame f = read(in);
                goAway = f.type() == GOAWAY ? f : null;
            }
            int error = ((goAway.payload()[4] & 0xFF) << 24) | ((goAway.payload()[5] & 0xFF) << 16)
                    | ((goAway.payload()[6] & 0xFF) << 8) | (goAway.payload()[7] & 0xFF);
            assertThat(error).isEqualTo(ENHANCE_YOUR_CALM);
            assertThat(new String(goAway.payload(), 8, goAway.payload().length - 8, StandardCharsets.US_ASCII)).contains("too_many_pings");
        }
    }

    @Test
    void aSinglePingIsAnsweredAndTheConnectionStaysOpen() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            frame(out, PING, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            boolean acked = false;
            while (!acked) {
                Frame f = read(in);
                assertThat(f.type()).as("no GOAWAY for one ping").isNotEqualTo(GOAWAY);
                if (f.type() == SETTINGS && (f.flags() & 1) == 0) {
                    frame(out, SETTINGS, 1, new byte[0]);
                }
                acked = f.type() == PING && (f.flags() & 1) == 1;
            }
            s.setSoTimeout(1_000);
            try {
                Frame f = read(in);
                assertThat(f.type()).isNotEqualTo(GOAWAY);
            } catch (java.net.SocketTimeoutException quiet) {
                // nothing more to say: the connection stays open
            }
        }
    }
}
