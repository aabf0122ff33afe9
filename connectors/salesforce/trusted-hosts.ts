/**
 * Where a Salesforce token response may send us. `instance_url` and the identity URL (`id`) in a token
 * response receive the bearer token next, so they are accepted only as https URLs under Salesforce's
 * own domains — `*.salesforce.com` (incl. `*.my.salesforce.com`), `*.force.com`, and the government and
 * China clouds `*.salesforce.mil`, `*.sfcrmproducts.cn`
 * (https://help.salesforce.com/s/articleView?id=sf.domain_name_overview.htm; salesforce.md §11) —
 * or on the very host (scheme and port included) of the login URL the admin configured, which is how a
 * local sandbox or test server keeps working. URLs the admin sets directly (SALESFORCE_INSTANCE_URL)
 * never pass through here: they are trusted as configured.
 */
export const SALESFORCE_DOMAINS = ['salesforce.com', 'force.com', 'salesforce.mil', 'sfcrmproducts.cn'] as const;

export function isTrustedSalesforceUrl(value: string, loginUrl: string): boolean {
  let url: URL;
  let login: URL;
  try {
    url = new URL(value);
    login = new URL(loginUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === login.protocol && url.host === login.host) return true;
  if (url.protocol !== 'https:' || url.port !== '') return false;
  const host = url.hostname.toLowerCase();
  return SALESFORCE_DOMAINS.some((d) => host.endsWith(`.${d}`));
}
