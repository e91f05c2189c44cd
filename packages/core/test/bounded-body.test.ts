import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readBodyCapped, readNodeBodyCapped } from '../src';
import { countingBody } from '../src/testing';

const MB = 1024 * 1024;

describe('capped body reads', () => {
  it('returns a body under the cap whole', async () => {
    const { stream } = countingBody(10_000, 4096, 0x61);
    const read = await readBodyCapped(stream, 64 * 1024);
    expect(read.ok && read.bytes.length).toBe(10_000);
    expect(read.ok && read.bytes.toString('utf8', 0, 3)).toBe('aaa');
  });

  it('stops pulling a 5 MB body without Content-Length one chunk past a 1 MB cap', async () => {
    const { stream, counter } = countingBody(5 * MB);
    const read = await readBodyCapped(stream, MB);
    expect(read.ok).toBe(false);
    expect(counter.pulled).toBeLessThanOrEqual(MB + 64 * 1024);
  });

  it('refuses a declared Content-Length over the cap without reading a byte', async () => {
    const { stream, counter } = countingBody(5 * MB);
    const read = await readBodyCapped(stream, MB, String(5 * MB));
    expect(read).toEqual({ ok: false, bytesRead: 0 });
    expect(counter.pulled).toBe(0);
  });

  it('stops reading a chunked Node request past the cap and still answers 413', async () => {
    let socketBytes = 0;
    let readerBytes = 0;
    const server = createServer((req, res) => {
      readNodeBodyCapped(req, MB).then((read) => {
        readerBytes = read.ok ? read.bytes.length : read.bytesRead;
        res.writeHead(read.ok ? 200 : 413, { connection: 'close' }).end();
        res.on('finish', () => {
          socketBytes = req.socket.bytesRead;
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/' }, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', () => {});
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 5 * MB && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.close(() => r()));
    expect(status).toBe(413);
    expect(readerBytes).toBeGreaterThan(MB);
    expect(readerBytes).toBeLessThanOrEqual(MB + 64 * 1024);
    expect(socketBytes).toBeLessThan(5 * MB);
  });
});
