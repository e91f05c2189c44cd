import { createServer, type Server } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  data: string;
  auth: string | null;
}

/** The smallest SMTP server nodemailer will talk to (plain, AUTH PLAIN/LOGIN accepted), for tests. */
export async function startSmtpServer(): Promise<{
  port: number;
  received: ReceivedMail[];
  close: () => Promise<void>;
}> {
  const received: ReceivedMail[] = [];
  const server: Server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current: ReceivedMail = { from: '', to: [], data: '', auth: null };
    let loginStep = 0;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 test ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      while (true) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          current.data = buffer.slice(0, end);
          buffer = buffer.slice(end + 5);
          inData = false;
          received.push(current);
          current = { from: '', to: [], data: '', auth: current.auth };
          reply('250 OK queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const upper = line.toUpperCase();
        if (loginStep === 1) {
          loginStep = 2;
          current.auth = Buffer.from(line, 'base64').toString();
          reply('334 UGFzc3dvcmQ6');
        } else if (loginStep === 2) {
          loginStep = 0;
          current.auth += `:${Buffer.from(line, 'base64').toString()}`;
          reply('235 Authenticated');
        } else if (upper.startsWith('EHLO')) reply('250-test\r\n250 AUTH PLAIN LOGIN');
        else if (upper.startsWith('HELO')) reply('250 test');
        else if (upper.startsWith('AUTH PLAIN')) {
          const [, user, pass] = Buffer.from(line.slice(11), 'base64').toString().split('\u0000');
          current.auth = `${user}:${pass}`;
          reply('235 Authenticated');
        } else if (upper.startsWith('AUTH LOGIN')) {
          loginStep = 1;
          reply('334 VXNlcm5hbWU6');
        } else if (upper.startsWith('MAIL FROM:')) {
          current.from = line.slice(10).trim();
          reply('250 OK');
        } else if (upper.startsWith('RCPT TO:')) {
          current.to.push(line.slice(8).trim());
          reply('250 OK');
        } else if (upper === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (upper === 'QUIT') {
          reply('221 Bye');
          socket.end();
        } else reply('250 OK');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
