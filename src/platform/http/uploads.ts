import type { FastifyRequest } from 'fastify';
import { AppError, badRequest } from '../errors/index.ts';

/**
 * Reads the one part named `file` of a multipart body, and makes sure nothing follows it. A body
 * the parser cannot read is the client's fault (400), not ours.
 */
export async function readSingleFile(request: FastifyRequest): Promise<{ filename: string; content: Buffer }> {
  if (!request.isMultipart()) throw new AppError(415, 'unsupported_media_type', 'Unsupported media type', 'Upload the file as multipart/form-data with a part named `file`.');
  const missing = () => badRequest('file_missing', 'Send exactly one part, a file named `file`.', [{ in: 'body', path: '/file', code: 'required', message: 'is required' }]);
  try {
    const parts = request.parts();
    const first = await parts.next();
    if (first.done || first.value.type !== 'file' || first.value.fieldname !== 'file') throw missing();
    const content = await first.value.toBuffer();
    if (!(await parts.next()).done) throw badRequest('too_many_parts', 'Send exactly one part, a file named `file`.');
    return { filename: first.value.filename, content };
  } catch (error) {
    if (error instanceof AppError || typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
    throw badRequest('malformed_body', 'The multipart body could not be read.');
  }
}

