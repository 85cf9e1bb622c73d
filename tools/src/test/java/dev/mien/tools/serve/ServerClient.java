package dev.mien.tools.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Test helpers: requests through the JDK's HttpClient, and raw HTTP/1.1 over a socket where a client must misbehave. */
final class ServerClient {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ServerClient() {}

    static HttpResponse<String> post(FaceServer s, String pathAndQuery, byte[] body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(s.uri().resolve(pathAndQuery)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(FaceServer s, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(s.uri().resolve(path)).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) throws IOException { return JSON.readTree(r.body()); }

    /** A response read off a raw socket. */
    record Raw(int status, Map<String, String> headers, String body) {
        JsonNode json() throws IOException { return JSON.readTree(body); }
    }

    /** Writes {@code head} (request line and headers, without the blank line), then lets {@code body} write, then reads one response. */
    static Raw raw(FaceServer s, String head, BodyWriter body) throws IOException {
        try (Socket sock = new Socket(InetAddress.getLoopbackAddress(), s.port())) {
            sock.setSoTimeout(60_000);
            OutputStream out = sock.getOutputStream();
            out.write((head + "\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                body.write(out);
                out.flush();
            } catch (IOException refusedMidway) {
                // The server may answer and close before the client has sent everything; read what it said.
            }
            return read(sock.getInputStream());
        }
    }

    interface BodyWriter { void write(OutputStream out) throws IOException; }

    private static Raw read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) throw new IOException("no response");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String l; (l = line(in)) != null && !l.isEmpty(); ) {
            int c = l.indexOf(':');
            headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
        }
        int n = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(n);
        return new Raw(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) >= 0; ) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
}
