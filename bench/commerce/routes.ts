/** A URL as its route: ids (`pay_01J…`) become `:id` and the query string goes, so requests group by endpoint. */
export function routeOf(url: string): string {
  const pathOnly = url.split('?')[0] ?? url;
  return pathOnly.replace(/\/[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}(?=\/|$)/g, '/:id');
}
