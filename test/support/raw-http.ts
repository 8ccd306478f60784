import { connect } from "node:net";

/** One request as raw bytes, for what `fetch` refuses to send: bad targets, methods, headers. */
export type RawRequest = { name: string; bytes: string | Buffer };

const CRLF = "\r\n";
const line = (requestLine: string, headers: readonly string[] = ["Host: localhost"], body = "") =>
  [requestLine, ...headers, "", body].join(CRLF);

/**
 * Malformed and hostile requests: targets the URL parser refuses, absolute forms with bad ports or
 * hosts, unknown and odd methods, broken headers and framing, oversized lines. Each is sent on its
 * own connection; whatever comes back, the server must stay up.
 */
export const MALFORMED_REQUESTS: readonly RawRequest[] = [
  ...[
    "//",
    "//[",
    "//[::1",
    "///",
    "//healthz",
    "//%zz",
    "//@",
    "//:99999",
    "//a:b@c:d/",
    "%zz",
    "*",
    "?",
    "#",
    "healthz",
    "..",
    "/..",
    "/%00",
    "/%",
    "/healthz?%zz",
    "/healthz#%",
    "/\\\\",
    "\\healthz",
  ].map((target) => ({
    name: `target ${target}`,
    bytes: line(`GET ${target} HTTP/1.1`),
  })),
  ...[
    "http://x:99999/healthz",
    "http://[::1/healthz",
    "http://%/",
    "http://a b/",
    "http://:0/",
    "https://[zz]/",
    "ftp://x/healthz",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "http:",
    "http://",
    "mailto:a@b",
    "x:",
    "http://127.0.0.1:-1/",
  ].map((target) => ({
    name: `absolute ${target}`,
    bytes: line(`GET ${target} HTTP/1.1`),
  })),
  ...["BREW", "get", "G=T", "PRI", "CONNECT", "OPTIONS", "TRACE", "DELETE", "PATCH", "PUT", "M-SEARCH", "PROPFIND", "SOURCE", "QUERY"].map(
    (method) => ({
      name: `method ${method}`,
      bytes: line(`${method} ${method === "CONNECT" ? "localhost:80" : "/healthz"} HTTP/1.1`),
    }),
  ),
  { name: "OPTIONS *", bytes: line("OPTIONS * HTTP/1.1") },
  { name: "CONNECT to the webhook", bytes: line("CONNECT //webhook HTTP/1.1") },
  { name: "HTTP/2 preface", bytes: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" },
  { name: "HTTP/9.9", bytes: line("GET /healthz HTTP/9.9") },
  { name: "HTTP/1.0 without host", bytes: line("GET // HTTP/1.0", []) },
  { name: "no version", bytes: "GET //\r\n\r\n" },
  { name: "empty request line", bytes: "\r\n\r\n" },
  { name: "only a method", bytes: "GET\r\n\r\n" },
  { name: "bare LF", bytes: "GET // HTTP/1.1\nHost: x\n\n" },
  { name: "NUL in the target", bytes: line("GET /\u0000 HTTP/1.1") },
  { name: "latin-1 byte in the target", bytes: Buffer.from("GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n", "latin1") },
  { name: "UTF-8 in the target", bytes: line("GET /ä/ü HTTP/1.1") },
  { name: "100 KiB target", bytes: line(`GET /${"a".repeat(100 * 1024)} HTTP/1.1`) },
  { name: "host header with a bad port", bytes: line("GET // HTTP/1.1", ["Host: x:99999"]) },
  { name: "host header [", bytes: line("GET //[ HTTP/1.1", ["Host: ["]) },
  { name: "two host headers", bytes: line("GET // HTTP/1.1", ["Host: a", "Host: b"]) },
  { name: "header without a colon", bytes: line("GET /healthz HTTP/1.1", ["Host: x", "nonsense"]) },
  { name: "header with NUL", bytes: line("GET /healthz HTTP/1.1", ["Host: x", "X-A: a\u0000b"]) },
  { name: "obs-fold header", bytes: line("GET /healthz HTTP/1.1", ["Host: x", "X-A: a", " folded"]) },
  { name: "space before colon", bytes: line("GET /healthz HTTP/1.1", ["Host : x"]) },
  {
    name: "2,000 headers",
    bytes: line(
      "GET /healthz HTTP/1.1",
      Array.from({ length: 2_000 }, (_, i) => `X-H${i}: ${i}`),
    ),
  },
  { name: "64 KiB header", bytes: line("GET /healthz HTTP/1.1", ["Host: x", `X-Big: ${"b".repeat(64 * 1024)}`]) },
  { name: "negative content-length", bytes: line("POST /webhook HTTP/1.1", ["Host: x", "Content-Length: -1"]) },
  { name: "two content-lengths", bytes: line("POST /webhook HTTP/1.1", ["Host: x", "Content-Length: 1", "Content-Length: 2"], "ab") },
  {
    name: "content-length and chunked",
    bytes: line("POST /webhook HTTP/1.1", ["Host: x", "Content-Length: 3", "Transfer-Encoding: chunked"], "0\r\n\r\n"),
  },
  { name: "bad chunk size", bytes: line("POST /webhook HTTP/1.1", ["Host: x", "Transfer-Encoding: chunked"], "zz\r\nabc\r\n0\r\n\r\n") },
  { name: "huge declared length", bytes: line("POST /webhook HTTP/1.1", ["Host: x", "Content-Length: 99999999999999999999"]) },
  {
    name: "webhook on a bad absolute target",
    bytes: line("POST http://x:99999/webhook HTTP/1.1", ["Host: x", "Content-Length: 2", "X-GitHub-Event: push"], "{}"),
  },
  {
    name: "expect 100-continue on a bad target",
    bytes: line("POST //[ HTTP/1.1", ["Host: x", "Expect: 100-continue", "Content-Length: 2"], "{}"),
  },
  { name: "pipelined bad then good", bytes: line("GET //[ HTTP/1.1") + line("GET /healthz HTTP/1.1") },
  { name: "upgrade to websocket on //", bytes: line("GET // HTTP/1.1", ["Host: x", "Connection: Upgrade", "Upgrade: websocket"]) },
];

/**
 * Send raw bytes on a fresh connection; resolve with what came back before the server closed it
 * or `timeoutMs` passed (then the connection is dropped: a silent server is not an error here).
 */
export function sendRaw(port: number, bytes: string | Buffer, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", done);
    socket.on("close", done);
    // A reset after the server answered and closed is fine; failing to connect is not.
    socket.on("error", (error: NodeJS.ErrnoException) =>
      chunks.length > 0 || error.code === "ECONNRESET" || error.code === "EPIPE" ? done() : reject(error),
    );
    socket.on("connect", () => socket.end(bytes));
  });
}

/** The status codes of every response in a raw reply (pipelined requests give several). */
export function statusCodes(reply: string): number[] {
  return [...reply.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((m) => Number(m[1]));
}
