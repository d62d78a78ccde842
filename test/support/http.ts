import type { TestApp } from './app.ts';
import { randomBytes } from 'node:crypto';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface CallOptions {
  token?: string | undefined;
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

let keyCounter = 0;

/** A thin client over Fastify's inject: real routing, validation, hooks and serialization. */
export function apiClient(getApp: () => TestApp) {
  async function call<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (method === 'POST') headers['idempotency-key'] = options.idempotencyKey ?? `test-key-${process.pid}-${++keyCounter}`;
    const response = await getApp().http.inject({ method, url, headers, ...(body === undefined ? {} : { payload: body as object }) });
    const text = response.body;
    const contentType = String(response.headers['content-type'] ?? '');
    return {
      status: response.statusCode,
      body: (text && contentType.includes('json') ? JSON.parse(text) : text) as T,
      headers: response.headers,
    };
  }
  async function upload<T = any>(url: string, file: Buffer, filename: string, contentType: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
    const { payload, headers } = multipartBody(file, filename, contentType);
    const response = await getApp().http.inject({ method: 'POST', url, payload, headers: { ...headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) } });
    const text = response.body;
    return { status: response.statusCode, body: (text && String(response.headers['content-type']).includes('json') ? JSON.parse(text) : text) as T, headers: response.headers };
  }
  return {
    upload,
    get: <T = any>(url: string, options?: CallOptions) => call<T>('GET', url, undefined, options),
    post: <T = any>(url: string, body?: unknown, options?: CallOptions) => call<T>('POST', url, body ?? {}, options),
    patch: <T = any>(url: string, body: unknown, options?: CallOptions) => call<T>('PATCH', url, body, options),
    put: <T = any>(url: string, body: unknown, options?: CallOptions) => call<T>('PUT', url, body, options),
    delete: <T = any>(url: string, options?: CallOptions) => call<T>('DELETE', url, undefined, options),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** A multipart/form-data body with one file part, for Fastify's inject. */
export function multipartBody(file: Buffer, filename: string, contentType: string, fieldName = 'file') {
  const boundary = `----caravan${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
