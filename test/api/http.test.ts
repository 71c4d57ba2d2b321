import { startTestApp, TestApp } from '../support/harness';

/** GraphQL over HTTP itself: what a browser front-end and a careless client meet before any resolver runs. */
describe('GraphQL over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const errorOf = async (res: Response) => ((await res.json()) as { errors: { extensions: Record<string, unknown> }[] }).errors[0].extensions;
  const post = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(t.url, { method: 'POST', headers, body });

  it('answers a query with JSON, open to any origin', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a CORS preflight, allowing the Authorization header', async () => {
    const res = await fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.cn', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type,authorization');
  });

  it('refuses a body that is not JSON as BAD_REQUEST (MALFORMED_JSON)', async () => {
    const res = await post('{"query": "{ __typename }"');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST', reason: 'MALFORMED_JSON', requestId: expect.any(String) } }] });
  });

  it('refuses a body over 1 MiB as BAD_REQUEST (BODY_TOO_LARGE) with 413', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toEqual({ code: 'BAD_REQUEST', reason: 'BODY_TOO_LARGE', requestId: expect.any(String) });
  });

  it('refuses a charset other than UTF-8 with 415', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/json; charset=gbk' });
    expect(res.status).toBe(415);
    expect(await errorOf(res)).toEqual({ code: 'BAD_REQUEST', reason: 'UNSUPPORTED_CHARSET', requestId: expect.any(String) });
  });

  it('leaves a POST without a JSON content type to Apollo, which refuses it as BAD_REQUEST', async () => {
    const res = await post('query=%7B__typename%7D', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
  });

  it('serves a GET query with the CSRF-safe header', async () => {
    const res = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
