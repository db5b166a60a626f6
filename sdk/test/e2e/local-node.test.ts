import { expect } from "chai";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { CORPUS_CONTRACT_NAMES } from "../../src/addresses";
import { type LocalNode, type LocalNodeKind, deployCorpusTo, startAnvil, startHardhatNode } from "./local-node";

const START: Record<LocalNodeKind, () => Promise<LocalNode>> = { hardhat: startHardhatNode, anvil: startAnvil };
/** The developer's own address book for the local chain, which the harness must never write. */
const DEVELOPER_BOOK = path.join(__dirname, "..", "..", "..", "deployments", "31337.json");

/** Resolves with the error code of a TCP connection to the loopback `port`, or "connected". */
function connect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** The code of `process.kill(-pid, 0)`'s error, or "alive" when the process group exists. */
function probeGroup(pid: number): string {
  try {
    process.kill(-pid, 0);
    return "alive";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

function fileState(file: string): string {
  return fs.existsSync(file) ? `${fs.statSync(file).mtimeMs}:${fs.readFileSync(file, "utf8")}` : "absent";
}

for (const kind of ["hardhat", "anvil"] as const) {
  describe(`a local ${kind} node`, function () {
    let node: LocalNode;
    let provider: JsonRpcProvider;

    before(async function () {
      node = await START[kind]();
      provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    });

    after(async function () {
      provider?.destroy();
      await node?.stop();
    });

    it("listens on a loopback port in a process group of its own and answers eth_chainId 0x7a69", async function () {
      expect(node.kind).to.equal(kind);
      expect(node.url).to.equal(`http://127.0.0.1:${node.port}`);
      expect(probeGroup(node.pid)).to.equal("alive");
      expect(await provider.send("eth_chainId", [])).to.equal("0x7a69");
    });

    it("takes a Corpus deployment: every address of the book has code, and no developer book is written", async function () {
      const developerBook = fileState(DEVELOPER_BOOK);
      const book = await deployCorpusTo(node);
      expect(book.chainId).to.equal(31337);
      expect(Object.keys(book.contracts)).to.have.members([...CORPUS_CONTRACT_NAMES]);
      const addresses = [...Object.values(book.contracts), ...(book.multicall3 === undefined ? [] : [book.multicall3])];
      expect(new Set(addresses).size, "distinct addresses").to.equal(addresses.length);
      for (const address of addresses) expect(await provider.getCode(address), address).to.not.equal("0x");
      expect(fileState(DEVELOPER_BOOK)).to.equal(developerBook);
    });

    it("stops: its port refuses connections and its process group is gone; stopping again is a no-op", async function () {
      const { pid, port } = node;
      expect(await connect(port)).to.equal("connected");
      provider.destroy();
      await node.stop();
      expect(await connect(port)).to.equal("ECONNREFUSED");
      expect(() => process.kill(-pid, 0))
        .to.throw()
        .with.property("code", "ESRCH");
      await node.stop();
    });
  });
}

describe("local nodes started at once", function () {
  const nodes: LocalNode[] = [];

  after(async function () {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  for (const kind of ["hardhat", "anvil"] as const) {
    it(`two ${kind} nodes get different ports and are different chains`, async function () {
      const started = await Promise.allSettled([START[kind](), START[kind]()]);
      for (const s of started) if (s.status === "fulfilled") nodes.push(s.value);
      for (const s of started) if (s.status === "rejected") throw s.reason;
      const [a, b] = started.map((s) => (s as PromiseFulfilledResult<LocalNode>).value) as [LocalNode, LocalNode];

      expect(a.port).to.not.equal(b.port);
      expect(a.pid).to.not.equal(b.pid);
      const [pa, pb] = [a, b].map((n) => new JsonRpcProvider(n.url, undefined, { staticNetwork: true })) as [
        JsonRpcProvider,
        JsonRpcProvider,
      ];
      try {
        expect(await pa.send("eth_chainId", [])).to.equal("0x7a69");
        expect(await pb.send("eth_chainId", [])).to.equal("0x7a69");
        // A block mined on one is not on the other.
        const height = async (p: JsonRpcProvider) => Number(await p.send("eth_blockNumber", []));
        const [ha, hb] = [await height(pa), await height(pb)];
        await pa.send("evm_mine", []);
        expect(await height(pa)).to.equal(ha + 1);
        expect(await height(pb)).to.equal(hb);
      } finally {
        pa.destroy();
        pb.destroy();
      }

      await Promise.all([a.stop(), b.stop()]);
      expect(await connect(a.port)).to.equal("ECONNREFUSED");
      expect(await connect(b.port)).to.equal("ECONNREFUSED");
      expect(probeGroup(a.pid)).to.equal("ESRCH");
      expect(probeGroup(b.pid)).to.equal("ESRCH");
    });
  }
});
