import { describe, expect, it } from 'vitest'
import {
  decodeBatchResponse,
  encodeBatch,
  MAX_BATCH_REQUESTS,
} from '../../../../../electron/engine/target/dataverse/batch'

describe('$batch codec (https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api)', () => {
  it('encodes requests and change sets with CRLF line ends, Content-IDs and $n references', () => {
    const { contentType, body } = encodeBatch(
      [
        {
          kind: 'changeset',
          ops: [
            { method: 'POST', url: 'contacts', body: { firstname: 'Dana', lastname: 'Ortiz' } },
            {
              method: 'POST',
              url: 'phonecalls',
              body: {
                subject: 'Rate-lock follow-up',
                'regardingobjectid_contact_phonecall@odata.bind': '$1',
              },
            },
          ],
        },
        { kind: 'request', op: { method: 'GET', url: 'WhoAmI' } },
      ],
      '/api/data/v9.2/',
      'batch_lb7',
    )
    expect(contentType).toBe('multipart/mixed; boundary=batch_lb7')
    expect(body).not.toMatch(/[^\r]\n/)
    expect(body).toContain('--batch_lb7\r\nContent-Type: multipart/mixed; boundary=changeset_')
    expect(body).toContain(
      'Content-ID: 1\r\n\r\nPOST /api/data/v9.2/contacts HTTP/1.1\r\nContent-Type: application/json; type=entry\r\n\r\n{"firstname":"Dana","lastname":"Ortiz"}',
    )
    expect(body).toContain('Content-ID: 2')
    expect(body).toContain('"regardingobjectid_contact_phonecall@odata.bind":"$1"')
    expect(body).toContain('GET /api/data/v9.2/WhoAmI HTTP/1.1')
    expect(body.endsWith('--batch_lb7--\r\n')).toBe(true)
  })

  it('refuses more than 1,000 requests', () => {
    const ops = Array.from({ length: MAX_BATCH_REQUESTS + 1 }, () => ({
      kind: 'request' as const,
      op: { method: 'GET' as const, url: 'WhoAmI' },
    }))
    expect(() => encodeBatch(ops, '/api/data/v9.2/')).toThrow(/at most 1000/)
  })

  it("decodes the documentation's response example: a change set of two creates and a failed request", () => {
    const text = [
      '--batchresponse_A',
      'Content-Type: multipart/mixed; boundary=changesetresponse_B',
      '',
      '--changesetresponse_B',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      'Location: https://org/api/data/v9.2/contacts(11111111-1111-1111-1111-111111111111)',
      'OData-EntityId: https://org/api/data/v9.2/contacts(11111111-1111-1111-1111-111111111111)',
      '',
      '',
      '--changesetresponse_B',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'HTTP/1.1 204 No Content',
      'OData-Version: 4.0',
      'OData-EntityId: https://org/api/data/v9.2/phonecalls(22222222-2222-2222-2222-222222222222)',
      '',
      '',
      '--changesetresponse_B--',
      '--batchresponse_A',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      '',
      'HTTP/1.1 400 Bad Request',
      'Content-Type: application/json; odata.metadata=minimal',
      'OData-Version: 4.0',
      '',
      '{"error":{"code":"0x80044331","message":"A validation error occurred."}}',
      '--batchresponse_A--',
      '',
    ].join('\r\n')
    const parts = decodeBatchResponse('multipart/mixed; boundary=batchresponse_A', text)
    expect(parts.map((p) => [p.status, p.contentId])).toEqual([
      [204, '1'],
      [204, '2'],
      [400, undefined],
    ])
    expect(parts[0]!.headers['odata-entityid']).toMatch(/contacts\(1{8}-/)
    expect(JSON.parse(parts[2]!.body)).toMatchObject({ error: { code: '0x80044331' } })
  })
})
