// App-only token through @azure/msal-node against pcsandbox.
//
// Env: PCS_AUTHORITY (https://127.0.0.1:PORT/<tenant-id>), PCS_KNOWN_AUTHORITY
// ("127.0.0.1:PORT"), PCS_CLIENT_ID, PCS_CLIENT_SECRET, PCS_SCOPE.
// TLS trust comes from NODE_EXTRA_CA_CERTS, set by the caller.
// Prints {"accessToken": "..."} on stdout; exits 1 with the error on stderr.
import { ConfidentialClientApplication, LogLevel } from "@azure/msal-node";

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`missing environment variable ${name}`);
  }
  return value;
}

async function main() {
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: env("PCS_CLIENT_ID"),
      clientSecret: env("PCS_CLIENT_SECRET"),
      authority: env("PCS_AUTHORITY"),
      knownAuthorities: [env("PCS_KNOWN_AUTHORITY")],
    },
    system: {
      // msal-node's errors (e.g. endpoints_resolution_error) hide the cause;
      // its log on stderr shows it. The caller only prints stderr on failure.
      loggerOptions: {
        logLevel: LogLevel.Verbose,
        piiLoggingEnabled: false,
        loggerCallback: (_level, message, containsPii) => {
          if (!containsPii) {
            process.stderr.write(`msal-node: ${message}\n`);
          }
        },
      },
    },
  });
  const result = await app.acquireTokenByClientCredential({
    scopes: [env("PCS_SCOPE")],
  });
  if (!result || !result.accessToken) {
    throw new Error(`no access token in result: ${JSON.stringify(result)}`);
  }
  process.stdout.write(JSON.stringify({ accessToken: result.accessToken }) + "\n");
}

main().catch((err) => {
  const detail = {
    name: err && err.name,
    errorCode: err && err.errorCode,
    message: err && err.message,
    subError: err && err.subError,
    stack: err && err.stack,
  };
  process.stderr.write(`app_only.mjs failed: ${JSON.stringify(detail, null, 2)}\n`);
  process.exit(1);
});
