// The bulk download's source, in a process of its own so that the test process only receives:
// GET /bulk answers 256 MiB of AES-128-CTR keystream (every MiB differs, nothing repeats), made
// once before listening; GET /warm its first 32 MiB, to warm a path up before it is measured.
// Prints {"event":"listening","port":N,"sha256":"…"}.
import { createCipheriv, createHash } from "node:crypto";
import * as http from "node:http";

const BYTES = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 7), Buffer.alloc(16, 3));
const zero = Buffer.alloc(CHUNK);
const hash = createHash("sha256");
const chunks = [];
for (let left = BYTES; left > 0; left -= CHUNK) {
  const chunk = cipher.update(zero);
  hash.update(chunk);
  chunks.push(chunk);
}
const sha256 = hash.digest("hex");

const server = http.createServer((req, res) => {
  if (req.url !== "/bulk" && req.url !== "/warm") return void res.writeHead(404).end();
  const count = req.url === "/bulk" ? chunks.length : 32;
  res.writeHead(200, { "content-length": count * CHUNK, "content-type": "application/octet-stream" });
  let i = 0;
  const pump = () => {
    while (i < count) if (!res.write(chunks[i++])) return void res.once("drain", pump);
    res.end();
  };
  pump();
});
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ event: "listening", port: server.address().port, sha256 }));
});
