/**
 * A real OpenLDAP server (Debian's slapd) for tests: its own configuration and database under a temporary folder,
 * seeded from an LDIF, listening on a free local port, never touching the system's slapd. Tests change the
 * directory through `admin()` (bound as the directory's root) the way its administrators would.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Client } from "ldapts";
import { requireTools } from "./tools";

export const testDirectoryBase = "dc=granary,dc=test";
export const testDirectoryRoot = { dn: `cn=admin,${testDirectoryBase}`, password: "root-secret" };
/** The account Granary binds as to search: it may read, never write. */
export const testDirectoryReader = { dn: `cn=granary,ou=services,${testDirectoryBase}`, password: "reader-secret" };
export const testUserFilter = "(&(objectClass=inetOrgPerson)(!(employeeType=disabled))(|(uid={username})(mail={username})))";
export const testGroupFilter = "(objectClass=groupOfNames)";

export const testPeople = {
  alice: { uid: "alice", mail: "alice@directory.test", cn: "Alice Liddell", password: "alice's directory password" },
  bob: { uid: "bob", mail: "bob@directory.test", cn: "Bob Builder", password: "bob's directory password" },
  /** Disabled in the directory: the user search filter leaves her out. */
  dora: { uid: "dora", mail: "dora@directory.test", cn: "Dora Disabled", password: "dora's directory password" },
} as const;

export const groupDn = (name: string) => `cn=${name},ou=groups,${testDirectoryBase}`;
export const personDn = (uid: string) => `uid=${uid},ou=people,${testDirectoryBase}`;

function seedLdif(): string {
  const person = (p: { uid: string; mail: string; cn: string; password: string }, extra = "") =>
    `dn: ${personDn(p.uid)}
objectClass: inetOrgPerson
uid: ${p.uid}
cn: ${p.cn}
sn: ${p.cn.split(" ").at(-1)}
mail: ${p.mail}
userPassword: ${p.password}
${extra}`;
  return [
    `dn: ${testDirectoryBase}
objectClass: dcObject
objectClass: organization
dc: granary
o: Granary tests
`,
    `dn: ou=people,${testDirectoryBase}
objectClass: organizationalUnit
ou: people
`,
    `dn: ou=groups,${testDirectoryBase}
objectClass: organizationalUnit
ou: groups
`,
    `dn: ou=services,${testDirectoryBase}
objectClass: organizationalUnit
ou: services
`,
    `dn: ${testDirectoryReader.dn}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: granary
userPassword: ${testDirectoryReader.password}
`,
    person(testPeople.alice),
    person(testPeople.bob),
    person(testPeople.dora, "employeeType: disabled\n"),
    `dn: ${groupDn("data-science")}
objectClass: groupOfNames
cn: data-science
member: ${personDn("alice")}
`,
    `dn: ${groupDn("platform")}
objectClass: groupOfNames
cn: platform
member: ${personDn("bob")}
`,
  ].join("\n");
}

function tlsConfig(folder: string): string {
  return `TLSCACertificateFile ${folder}/ca.pem
TLSCertificateFile ${folder}/server.pem
TLSCertificateKeyFile ${folder}/server.key
`;
}

/** A private CA and a certificate for 127.0.0.1 signed by it, as a directory behind a company CA would have. */
function makeCertificates(folder: string): string {
  const file = (name: string) => path.join(folder, name);
  fs.writeFileSync(file("server.ext"), "subjectAltName=IP:127.0.0.1\n");
  run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", file("ca.key"), "-out", file("ca.pem"), "-days", "2", "-subj", "/CN=Granary test CA"]);
  run("/usr/bin/openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1"]);
  run("/usr/bin/openssl", [
    "x509", "-req", "-in", file("server.csr"), "-CA", file("ca.pem"), "-CAkey", file("ca.key"), "-CAcreateserial",
    "-out", file("server.pem"), "-days", "2", "-extfile", file("server.ext"),
  ]);
  return fs.readFileSync(file("ca.pem"), "utf8");
}

function slapdConfig(folder: string, tls: boolean): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile ${folder}/slapd.pid
argsfile ${folder}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
${tls ? tlsConfig(folder) : ""}disallow bind_anon
require authc

access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="${testDirectoryReader.dn}" read
  by self read
  by * none

database mdb
maxsize 10485760
suffix "${testDirectoryBase}"
rootdn "${testDirectoryRoot.dn}"
rootpw ${testDirectoryRoot.password}
directory ${folder}/data
`;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface TestDirectory {
  url: string;
  port: number;
  /** With `tls`: the same directory over ldaps://, and the PEM of the private CA that signed its certificate. */
  secureUrl: string | null;
  caCertificate: string | null;
  /** A client bound as the directory's root, for changing entries; the caller unbinds it. */
  admin(): Promise<Client>;
  stop(): void;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr || result.error?.message}`);
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => (socket.destroy(), resolve(true)));
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slapd did not start listening on port ${port}.`);
}

export async function startTestDirectory(options: { port?: number; tls?: boolean } = {}): Promise<TestDirectory> {
  requireTools("slapd", ...(options.tls ? (["openssl"] as const) : []));
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "granary-slapd-"));
  fs.mkdirSync(path.join(folder, "data"));
  const caCertificate = options.tls ? makeCertificates(folder) : null;
  fs.writeFileSync(path.join(folder, "slapd.conf"), slapdConfig(folder, Boolean(options.tls)));
  fs.writeFileSync(path.join(folder, "seed.ldif"), seedLdif());
  run("/usr/sbin/slapadd", ["-q", "-f", path.join(folder, "slapd.conf"), "-l", path.join(folder, "seed.ldif")]);
  const port = options.port ?? (await freePort());
  const url = `ldap://127.0.0.1:${port}`;
  const securePort = options.tls ? await freePort() : null;
  const secureUrl = securePort ? `ldaps://127.0.0.1:${securePort}` : null;
  // slapd detaches itself; it is found again by the pid it writes.
  run("/usr/sbin/slapd", ["-f", path.join(folder, "slapd.conf"), "-h", [`${url}/`, ...(secureUrl ? [`${secureUrl}/`] : [])].join(" ")]);
  await waitForPort(port);
  if (securePort) await waitForPort(securePort);
  const pidFile = path.join(folder, "slapd.pid");
  return {
    url,
    port,
    secureUrl,
    caCertificate,
    async admin() {
      const client = new Client({ url, timeout: 5000, connectTimeout: 5000 });
      await client.bind(testDirectoryRoot.dn, testDirectoryRoot.password);
      return client;
    },
    stop() {
      try {
        const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
        if (pid > 0) process.kill(pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Runs `change` with a root-bound client and unbinds it afterwards. */
export async function changeDirectory(directory: TestDirectory, change: (client: Client) => Promise<unknown>): Promise<void> {
  const client = await directory.admin();
  try {
    await change(client);
  } finally {
    await client.unbind();
  }
}

/**
 * LDAP settings that pass validation and leave accounts Granary's own, pointing at a port nothing listens on: for the
 * matrices, whose cells must not switch the site to a directory nor wait for one.
 */
export const unreachableLdapSettings = {
  accountType: "granary",
  url: "ldap://127.0.0.1:9",
  startTls: false,
  caCertificate: "",
  bindDn: "cn=granary,dc=example,dc=test",
  bindPassword: "a bind password",
  userSearchBase: "ou=people,dc=example,dc=test",
  userSearchFilter: "(uid={username})",
  usernameAttribute: "uid",
  emailAttribute: "mail",
  displayNameAttribute: "cn",
  groupSearchBase: "",
  groupSearchFilter: "",
  groupMemberAttribute: "member",
} as const;
