import type { FC } from "hono/jsx";
import { documentOf, Layout } from "./layout";
import { Content, Masthead } from "./parts";
import { pageCsp } from "./hosted";

/**
 * The page a password-protected code shows before anything else: a form that posts the password
 * back to the same address (/r, /s or /p). It says nothing about the code, not even its name:
 * whoever has no password learns only that one is asked for.
 */

export type UnlockProblem = "wrong" | "limited" | null;

const PasswordPage: FC<{ action: string; problem: UnlockProblem }> = ({ action, problem }) => (
  <Layout title="This QR code is password protected">
    <Masthead title="This QR code is password protected" />
    <Content>
      <form class="unlock" method="post" action={action}>
        <p>Enter the password its owner gave you to continue.</p>
        {problem && (
          <p class="error" role="alert" id="unlock-error">
            {problem === "wrong" ? "That password is not right. Check it and try again." : "Too many wrong passwords from here. Wait a few minutes, then try again."}
          </p>
        )}
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          required
          autocomplete="off"
          maxlength={128}
          autofocus
          {...(problem ? { "aria-invalid": "true", "aria-describedby": "unlock-error" } : {})}
        />
        <button class="button center" type="submit">
          Continue
        </button>
      </form>
    </Content>
  </Layout>
);

export const passwordPage = (action: string, problem: UnlockProblem) => documentOf(<PasswordPage action={action} problem={problem} />);

/**
 * The status pages' policy, but the form may post. Browsers hold the redirects that follow a form's
 * POST to form-action too (Chromium does: the 303 back and the 302 on to the target), so 'self'
 * alone stopped the right password at the code's own target on another origin. Naming the
 * target's origin here would tell someone without the password where the code goes; any http(s)
 * address is allowed instead (the page shows nothing a visitor wrote, and its form is ours).
 */
export const PASSWORD_PAGE_CSP = pageCsp(null).replace("form-action 'none'", "form-action 'self' https: http:");
