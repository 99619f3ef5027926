import { z } from "zod";

/** The App's OAuth client and where GitHub's web and API are. */
export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  /** e.g. https://github.com */
  webUrl: string;
  /** e.g. https://api.github.com */
  apiUrl: string;
}

type Fetch = typeof fetch;

export class SignInError extends Error {
  override name = "SignInError";
}

/** Where the browser goes to sign in with GitHub. Pure. */
export function authorizeUrl(app: Pick<OAuthApp, "clientId" | "webUrl">, params: { state: string; redirectUri: string }): string {
  const query = new URLSearchParams({
    client_id: app.clientId,
    state: params.state,
    redirect_uri: params.redirectUri,
    allow_signup: "false",
  });
  return `${app.webUrl}/login/oauth/authorize?${query.toString()}`;
}

const TokenAnswer = z
  .object({ access_token: z.string().min(1) })
  .or(z.object({ error: z.string(), error_description: z.string().optional() }));

/** Trades the callback's code for the person's user token (used only inside the callback, never kept). */
export async function exchangeCode(app: OAuthApp, params: { code: string; redirectUri: string; fetch?: Fetch }): Promise<string> {
  const res = await (params.fetch ?? fetch)(`${app.webUrl}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({ client_id: app.clientId, client_secret: app.clientSecret, code: params.code, redirect_uri: params.redirectUri }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new SignInError(`GitHub answered ${res.status} to the code exchange`);
  const answer = TokenAnswer.safeParse(await res.json().catch(() => undefined));
  if (!answer.success) throw new SignInError("GitHub's answer to the code exchange had no token");
  if ("error" in answer.data) throw new SignInError(`GitHub refused the sign-in: ${answer.data.error}`);
  return answer.data.access_token;
}

const UserAnswer = z.object({ login: z.string().min(1) });
const InstallationsAnswer = z.object({ installations: z.array(z.object({ id: z.number() })) });
const RepositoriesAnswer = z.object({
  repositories: z.array(
    z.object({ full_name: z.string(), permissions: z.object({ push: z.boolean().optional(), admin: z.boolean().optional() }).optional() }),
  ),
});

const PER_PAGE = 100;
/** At most this many pages of installations or of one installation's repositories are read. */
const MAX_PAGES = 50;

async function getJson(params: { apiUrl: string; token: string; path: string; fetch?: Fetch }): Promise<unknown> {
  const res = await (params.fetch ?? fetch)(`${params.apiUrl}${params.path}`, {
    headers: { accept: "application/vnd.github+json", authorization: `Bearer ${params.token}`, "user-agent": "fixbot-runs-page" },
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new SignInError(`GitHub answered ${res.status} to GET ${params.path.split("?")[0]}`);
  return res.json();
}

async function allPages<T>(read: (page: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const items = await read(page);
    all.push(...items);
    if (items.length < PER_PAGE) break;
  }
  return all;
}

/**
 * Who the token belongs to and which repositories they may write (push or admin) among the App's installations
 * they can see: GET /user, /user/installations, /user/installations/{id}/repositories.
 */
export async function signedInPerson(
  app: Pick<OAuthApp, "apiUrl">,
  params: { token: string; fetch?: Fetch },
): Promise<{ login: string; repos: string[] }> {
  const get = (path: string) => getJson({ apiUrl: app.apiUrl, token: params.token, path, fetch: params.fetch });
  const user = UserAnswer.parse(await get("/user"));
  const installations = await allPages(
    async (page) => InstallationsAnswer.parse(await get(`/user/installations?per_page=${PER_PAGE}&page=${page}`)).installations,
  );
  const repos = new Set<string>();
  for (const installation of installations) {
    const list = await allPages(
      async (page) =>
        RepositoriesAnswer.parse(await get(`/user/installations/${installation.id}/repositories?per_page=${PER_PAGE}&page=${page}`))
          .repositories,
    );
    for (const repo of list) if (repo.permissions?.push || repo.permissions?.admin) repos.add(repo.full_name);
  }
  return { login: user.login, repos: [...repos].sort() };
}
