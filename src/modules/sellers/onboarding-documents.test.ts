import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../../../test/support/app.ts';
import { createOperator, signUpSeller, unique, uploadRequiredDocuments, type SellerActor } from '../../../test/support/actors.ts';
import { enterpriseForm } from '../../../test/support/fixtures.ts';
import { apiClient, multipartBody, type ApiClient } from '../../../test/support/http.ts';
import { jpegFile, pdfFile, pngFile } from '../../seed/sample-files.ts';
import { DOCUMENT_KINDS, MAX_DOCUMENTS_PER_APPLICATION, type DocumentKind } from './rules.ts';

/**
 * Documents an applicant hands in, through HTTP: what is accepted (the content decides, never the
 * name or the declared type), what replaces what, what comes back on download, and when the set
 * is frozen.
 */

const SAMPLES: Record<string, { file: () => Buffer; name: string }> = {
  'image/jpeg': { file: jpegFile, name: 'scan.jpg' },
  'image/png': { file: pngFile, name: 'scan.png' },
  'application/pdf': { file: pdfFile, name: 'scan.pdf' },
};

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

async function draft(api: ApiClient, seller: SellerActor): Promise<string> {
  const created = await api.post('/v1/seller/applications', { kind: 'enterprise', form: enterpriseForm({ store: { name: unique('Store'), type: 'standard' } }) }, { token: seller.token });
  expect(created.status).toBe(201);
  return created.body.id;
}

const documentsUrl = (applicationId: string, kind: DocumentKind) => `/v1/seller/applications/${applicationId}/documents?kind=${kind}`;

describe('application documents', () => {
  const app = useTestApp({ now: '2025-11-24T02:00:00Z' });
  const api = apiClient(app);

  it('accepts every content type each kind allows, recording what the content is', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    const last = new Map<string, string>();
    for (const [kind, rule] of Object.entries(DOCUMENT_KINDS) as [DocumentKind, (typeof DOCUMENT_KINDS)[DocumentKind]][]) {
      for (const contentType of rule.contentTypes) {
        const sample = SAMPLES[contentType]!;
        const content = sample.file();
        const response = await api.upload(documentsUrl(applicationId, kind), content, sample.name, contentType, { token: seller.token });
        expect(response.status, `${kind} as ${contentType}`).toBe(201);
        expect(response.body).toEqual({
          id: expect.stringMatching(/^doc_/),
          kind,
          content_type: contentType,
          size_bytes: content.length,
          sha256: sha256(content),
          original_name: sample.name,
          uploaded_at: '2025-11-24T02:00:00.000Z',
        });
        last.set(kind, response.body.id);
      }
    }
    const view = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(new Map(view.body.documents.map((d: { kind: string; id: string }) => [d.kind, d.id]))).toEqual(last);
    expect(view.body.documents).toHaveLength(Object.keys(DOCUMENT_KINDS).length);
  });

  it('decides the type from the content, not from the file name or the declared content type', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);

    const text = Buffer.from('This is plain text pretending to be a picture.\n', 'utf8');
    const disguised = await api.upload(documentsUrl(applicationId, 'business_licence'), text, 'licence.png', 'image/png', { token: seller.token });
    expect(disguised.status).toBe(415);
    expect(disguised.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(disguised.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });

    const pdfAsIdCard = await api.upload(documentsUrl(applicationId, 'id_card_front'), pdfFile(), 'front.pdf', 'application/pdf', { token: seller.token });
    expect(pdfAsIdCard.status).toBe(415);
    expect(pdfAsIdCard.body.code).toBe('unsupported_media_type');
    expect(pdfAsIdCard.body.detail).toContain('application/pdf');

    // The other way round: a real PNG declared as a PDF is stored as what it is.
    const mislabelled = await api.upload(documentsUrl(applicationId, 'id_card_front'), pngFile(), 'front.pdf', 'application/pdf', { token: seller.token });
    expect(mislabelled.status).toBe(201);
    expect(mislabelled.body.content_type).toBe('image/png');

    const view = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(view.body.documents.map((d: { kind: string }) => d.kind)).toEqual(['id_card_front']);
  });

  it('refuses an empty file', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    const empty = await api.upload(documentsUrl(applicationId, 'business_licence'), Buffer.alloc(0), 'licence.pdf', 'application/pdf', { token: seller.token });
    expect(empty.status).toBe(422);
    expect(empty.body).toMatchObject({ status: 422, code: 'empty_file', errors: [{ in: 'body', path: '/file', code: 'empty', message: 'is empty' }] });
  });

  it('needs a multipart body with a part named `file`', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    const headers = { authorization: `Bearer ${seller.token}` };

    // A file sent under another part name is not taken for the document.
    const misnamed = multipartBody(pdfFile(), 'licence.pdf', 'application/pdf', 'attachment');
    const wrongPart = await app().http.inject({ method: 'POST', url: documentsUrl(applicationId, 'business_licence'), payload: misnamed.payload, headers: { ...misnamed.headers, ...headers } });
    expect(wrongPart.statusCode).toBe(400);
    expect(wrongPart.json()).toMatchObject({ code: 'file_missing', errors: [{ in: 'body', path: '/file', code: 'required' }] });

    const boundary = 'caravan-test-boundary';
    const fieldsOnly = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nno file here\r\n--${boundary}--\r\n`);
    const noFile = await app().http.inject({
      method: 'POST',
      url: documentsUrl(applicationId, 'business_licence'),
      payload: fieldsOnly,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers },
    });
    expect(noFile.statusCode).toBe(400);
    expect(noFile.json()).toMatchObject({ code: 'file_missing' });

    const json = await api.post(documentsUrl(applicationId, 'business_licence'), { file: 'JVBERi0xLjQ=' }, { token: seller.token });
    expect(json.status).toBe(415);
    expect(json.body.code).toBe('unsupported_media_type');

    expect((await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token })).body.documents).toEqual([]);
  });

  it('replaces the current document of a kind with a new upload of that kind', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    const first = await api.upload(documentsUrl(applicationId, 'business_licence'), pdfFile(), 'old-licence.pdf', 'application/pdf', { token: seller.token });
    const front = await api.upload(documentsUrl(applicationId, 'id_card_front'), pngFile(), 'front.png', 'image/png', { token: seller.token });
    app().clock.advance({ minutes: 5 });
    const second = await api.upload(documentsUrl(applicationId, 'business_licence'), jpegFile(), 'new-licence.jpg', 'image/jpeg', { token: seller.token });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);

    const view = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    const licences = view.body.documents.filter((d: { kind: string }) => d.kind === 'business_licence');
    expect(licences).toEqual([expect.objectContaining({ id: second.body.id, content_type: 'image/jpeg', original_name: 'new-licence.jpg' })]);
    expect(view.body.documents.map((d: { id: string }) => d.id).sort()).toEqual([front.body.id, second.body.id].sort());

    // The superseded file stays downloadable: it is evidence of what an earlier review saw.
    const old = await app().http.inject({ method: 'GET', url: `/v1/seller/applications/${applicationId}/documents/${first.body.id}/content`, headers: { authorization: `Bearer ${seller.token}` } });
    expect(old.statusCode).toBe(200);
    expect(old.rawPayload.equals(pdfFile())).toBe(true);
  });

  it('keeps at most MAX_DOCUMENTS_PER_APPLICATION uploads per application, replaced ones included', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    for (let i = 0; i < MAX_DOCUMENTS_PER_APPLICATION; i++) {
      expect((await api.upload(documentsUrl(applicationId, 'other'), pdfFile(), `page-${i}.pdf`, 'application/pdf', { token: seller.token })).status).toBe(201);
    }
    const refused = await api.upload(documentsUrl(applicationId, 'business_licence'), pdfFile(), 'one-more.pdf', 'application/pdf', { token: seller.token });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('document_limit_reached');
    const view = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(view.body.documents.map((d: { kind: string }) => d.kind)).toEqual(['other']);
  });

  it('returns the exact bytes on download, as an attachment that browsers must not sniff', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    for (const [kind, contentType, extension] of [
      ['business_licence', 'application/pdf', '.pdf'],
      ['id_card_front', 'image/png', '.png'],
      ['id_card_back', 'image/jpeg', '.jpg'],
    ] as const) {
      const content = SAMPLES[contentType]!.file();
      const uploaded = await api.upload(documentsUrl(applicationId, kind), content, `my "${kind}".bin`, contentType, { token: seller.token });
      expect(uploaded.status).toBe(201);
      const download = await app().http.inject({
        method: 'GET',
        url: `/v1/seller/applications/${applicationId}/documents/${uploaded.body.id}/content`,
        headers: { authorization: `Bearer ${seller.token}` },
      });
      expect(download.statusCode).toBe(200);
      expect(download.rawPayload.equals(content), `${kind} bytes`).toBe(true);
      expect(download.headers['content-type']).toBe(contentType);
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      // The name sent back is made from the kind, never from the uploader's file name.
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${kind}${extension}"`);
      expect(download.headers['cache-control']).toBe('private, no-store');
    }

    const reviewer = await createOperator(app(), api, ['reviewer'], 'full');
    const [licence] = (await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token })).body.documents.filter((d: { kind: string }) => d.kind === 'business_licence');
    const byOperator = await app().http.inject({
      method: 'GET',
      url: `/v1/ops/seller-applications/${applicationId}/documents/${licence.id}/content`,
      headers: { authorization: `Bearer ${reviewer.token}` },
    });
    expect(byOperator.statusCode).toBe(200);
    expect(byOperator.rawPayload.equals(pdfFile())).toBe(true);
  });

  it('withdraws a document on DELETE, which becomes a missing document again', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    await uploadRequiredDocuments(api, applicationId, seller.token);
    const before = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(before.body.problems).toEqual([]);
    const back = before.body.documents.find((d: { kind: string }) => d.kind === 'id_card_back');

    const removed = await api.delete(`/v1/seller/applications/${applicationId}/documents/${back.id}`, { token: seller.token });
    expect(removed.status).toBe(204);
    const after = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(after.body.documents.map((d: { kind: string }) => d.kind).sort()).toEqual(['business_licence', 'id_card_front']);
    expect(after.body.problems).toEqual([{ in: 'body', path: '/documents/id_card_back', code: 'document_missing', message: 'upload the id card back' }]);

    const submit = await api.post(`/v1/seller/applications/${applicationId}/submit`, {}, { token: seller.token });
    expect(submit.status).toBe(422);
    expect(submit.body.errors).toEqual([{ in: 'body', path: '/documents/id_card_back', code: 'document_missing', message: 'upload the id card back' }]);

    // Withdrawn already: there is nothing left to withdraw.
    const again = await api.delete(`/v1/seller/applications/${applicationId}/documents/${back.id}`, { token: seller.token });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
  });

  it('freezes the documents once the application is submitted', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);
    await uploadRequiredDocuments(api, applicationId, seller.token);
    const submitted = await api.post(`/v1/seller/applications/${applicationId}/submit`, {}, { token: seller.token });
    expect(submitted.status).toBe(200);
    const documents = submitted.body.documents;

    const upload = await api.upload(documentsUrl(applicationId, 'bank_account_proof'), pdfFile(), 'bank.pdf', 'application/pdf', { token: seller.token });
    expect(upload.status).toBe(409);
    expect(upload.body).toMatchObject({ status: 409, code: 'application_not_editable' });
    const replace = await api.upload(documentsUrl(applicationId, 'business_licence'), pdfFile(), 'licence.pdf', 'application/pdf', { token: seller.token });
    expect(replace.status).toBe(409);
    expect(replace.body.code).toBe('application_not_editable');
    const remove = await api.delete(`/v1/seller/applications/${applicationId}/documents/${documents[0].id}`, { token: seller.token });
    expect(remove.status).toBe(409);
    expect(remove.body.code).toBe('application_not_editable');

    expect((await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token })).body.documents).toEqual(documents);
  });
});

describe('application documents over the size limit', () => {
  // The smallest limit configuration accepts, so a test file crosses it without megabytes of data.
  const app = useTestApp({ now: '2025-11-24T02:00:00Z', env: { UPLOAD_MAX_BYTES: '2048' } });
  const api = apiClient(app);

  const pngOfSize = (size: number) => {
    const png = pngFile();
    return Buffer.concat([png, Buffer.alloc(size - png.length)]);
  };

  it('refuses a file larger than UPLOAD_MAX_BYTES with 413 and keeps nothing', async () => {
    const seller = await signUpSeller(api);
    const applicationId = await draft(api, seller);

    const atLimit = await api.upload(documentsUrl(applicationId, 'id_card_front'), pngOfSize(2048), 'front.png', 'image/png', { token: seller.token });
    expect(atLimit.status).toBe(201);
    expect(atLimit.body.size_bytes).toBe(2048);

    const tooLarge = await api.upload(documentsUrl(applicationId, 'id_card_back'), pngOfSize(2049), 'back.png', 'image/png', { token: seller.token });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(tooLarge.body).toMatchObject({ status: 413, code: 'payload_too_large' });

    const muchTooLarge = await api.upload(documentsUrl(applicationId, 'id_card_back'), pngOfSize(64 * 1024), 'back.png', 'image/png', { token: seller.token });
    expect(muchTooLarge.status).toBe(413);
    expect(muchTooLarge.body.code).toBe('payload_too_large');

    const view = await api.get(`/v1/seller/applications/${applicationId}`, { token: seller.token });
    expect(view.body.documents.map((d: { id: string }) => d.id)).toEqual([atLimit.body.id]);
  });
});
