import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel, withLogContext } from '../src/logger';

function captured(level: LogLevel = 'debug', secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ TILLFLOW_LOG_LEVEL: level }, { destination, secrets });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l)) };
}

// Each a secret of a kind the logs must never show, wherever it appears.
// Built at run time from obviously fake parts, so no literal in the repo looks like a real key.
const STRIPE_KEY = ['sk', 'test', 'FAKEkeyForMaskingTests0001'].join('_');
const RESTRICTED_KEY = ['rk', 'test', 'FAKEkeyForMasking02'].join('_');
const WEBHOOK_SECRET = ['whsec', 'FAKEsecretForMasking03'].join('_');
const BEARER = 'tf_live_4f9c2a7e1b3d5f60';
const SMTP_PASSWORD = 'hunter2-smtp-pass';
const CARD = '4242 4242 4242 4242';
const INSTALL_KEY = 'a3f1c9e07b2d4e6f8a0b1c2d3e4f5a6b';

describe('structured logs', () => {
  it('never writes a secret, a key, a card number or an authorization header, wherever it is', () => {
    const { logger, lines } = captured('debug', [INSTALL_KEY]);
    logger.info(`saving keys ${STRIPE_KEY} for the project`);
    logger.warn({ headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' } }, 'request');
    logger.info({ settings: { secretKey: STRIPE_KEY, signingSecret: WEBHOOK_SECRET, password: SMTP_PASSWORD } });
    logger.error({ err: new Error(`Stripe refused ${RESTRICTED_KEY} (Authorization: Bearer ${BEARER})`) }, 'call');
    logger.info({ payment: { card: { number: CARD.replace(/ /g, ''), cvc: '123' }, note: `paid with ${CARD}` } });
    logger.info({ smtp: `smtp://mailer:${SMTP_PASSWORD}@smtp.example.test:587` });
    logger.debug('install key %s leaked', INSTALL_KEY);
    logger.info({ list: [{ token: BEARER }, `whsec is ${WEBHOOK_SECRET}`] });
    const output = lines.join('\n');
    expect(lines).toHaveLength(8);
    for (const secret of [STRIPE_KEY, RESTRICTED_KEY, WEBHOOK_SECRET, BEARER, SMTP_PASSWORD, CARD, INSTALL_KEY])
      expect(output).not.toContain(secret);
    expect(output).not.toContain('4242424242424242');
    expect(output).toContain('sk_test_[redacted]');
    expect(output).toContain('[card number redacted]');
  });

  it('keeps what is not secret readable: ids, amounts, timestamps, reasons', () => {
    const { logger, parsed } = captured();
    logger.info({ amount: 1200, eventId: 'evt_1Abc', at: 1764633600, reason: 'bad_signature' }, 'refused');
    expect(parsed()[0]).toMatchObject({
      level: 'info',
      msg: 'refused',
      amount: 1200,
      eventId: 'evt_1Abc',
      at: 1764633600,
      reason: 'bad_signature',
    });
  });

  it('puts the request id and run id of the current context on every line, however deep', async () => {
    const { logger, parsed } = captured();
    const deep = async () => {
      await new Promise((r) => setTimeout(r, 5));
      logger.info('inside the step');
    };
    await withLogContext({ requestId: 'req-1' }, async () => {
      logger.info('received');
      await withLogContext({ runId: 'run-9' }, deep);
    });
    logger.info('outside');
    const [received, inside, outside] = parsed();
    expect(received).toMatchObject({ requestId: 'req-1', msg: 'received' });
    expect(inside).toMatchObject({ requestId: 'req-1', runId: 'run-9', msg: 'inside the step' });
    expect(outside.requestId).toBeUndefined();
  });

  it('logs a failed SQL statement without the values it was writing (a payload, a client secret), keeping the statement and its cause', () => {
    const { logger, parsed } = captured();
    const clientSecret = ['pi', '3FAKEintent', 'secret', 'FAKEclientSecret04'].join('_');
    const params = [1, 'evt_1', JSON.stringify({ client_secret: clientSecret, email: 'buyer@example.test' })];
    const cause = new Error('write CONNECTION_CLOSED 127.0.0.1:5432');
    const error = Object.assign(
      new Error(
        `Failed query: insert into stripe_event (project_id, event_id, payload) values ($1, $2, $3)\nparams: ${params}`,
        {
          cause,
        },
      ),
      { query: 'insert into stripe_event (project_id, event_id, payload) values ($1, $2, $3)', params },
    );
    logger.error({ err: error }, 'webhook ingestion failed');
    const [line] = parsed();
    const text = JSON.stringify(line);
    expect(text).not.toContain('FAKEclientSecret04');
    // A client secret anywhere else in a line (a payload logged on purpose) is masked as well.
    logger.warn({ payload: JSON.stringify({ client_secret: clientSecret }) }, `intent ${clientSecret}`);
    expect(JSON.stringify(parsed()[1])).not.toContain('FAKEclientSecret04');
    expect(text).not.toContain('buyer@example.test');
    expect(line.err.params).toBeUndefined();
    expect(line.err.message).toContain('Failed query: insert into stripe_event');
    expect(line.err.message).toContain('params: [3 values not logged]');
    expect(line.err.query).toBe('insert into stripe_event (project_id, event_id, payload) values ($1, $2, $3)');
    expect(line.err.stack).toContain('CONNECTION_CLOSED');
  });

  it('writes only lines at the configured level and above', () => {
    const { logger, parsed } = captured('warn');
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    logger.error('shown too');
    expect(parsed().map((l) => l.msg)).toEqual(['shown', 'shown too']);
  });
});
