import { fileTypeFromBuffer } from 'file-type';
import { unprocessable, unsupportedMediaType } from '../errors/index.ts';

/**
 * The type of an uploaded file as its content says, never as its name or the declared header says;
 * an empty file or one of a type not allowed is refused with the reason.
 */
export async function contentTypeOf(content: Buffer, allowed: readonly string[], what: string): Promise<string> {
  if (content.length === 0) throw unprocessable('empty_file', 'The uploaded file is empty.', [{ in: 'body', path: '/file', code: 'empty', message: 'is empty' }]);
  const detected = await fileTypeFromBuffer(content);
  if (!detected || !allowed.includes(detected.mime)) {
    throw unsupportedMediaType(`${what} must be ${allowed.join(', ')}; this file is ${detected?.mime ?? 'of an unrecognised type'}.`);
  }
  return detected.mime;
}
