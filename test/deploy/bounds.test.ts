import { expect } from "chai";
import hre from "hardhat";
import { Contract } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { PARAMETER_BOUNDS } from "../../deploy/bounds";
import { deployCorpusFixture } from "../helpers/fixtures";

describe("deployment parameter bounds", () => {
  it("each bound deploy/bounds.ts checks equals the public constant of the contract that enforces it", async () => {
    const c = await loadFixture(deployCorpusFixture);
    const contracts: Record<string, string> = c.addressBook.contracts;
    for (const [field, bound] of Object.entries(PARAMETER_BOUNDS)) {
      const address = contracts[bound.source.contract];
      expect(address, `${field}: ${bound.source.contract} is in the address book`).to.not.equal(undefined);
      const { abi } = await hre.artifacts.readArtifact(bound.source.contract);
      const contract = new Contract(address!, abi, hre.ethers.provider);
      if (bound.source.min !== undefined) {
        const min = (await contract.getFunction(bound.source.min).staticCall()) as bigint;
        expect(BigInt(bound.min), `${field} min = ${bound.source.contract}.${bound.source.min}`).to.equal(min);
      } else {
        expect(BigInt(bound.min), `${field} has no stated minimum: 0`).to.equal(0n);
      }
      if (bound.source.max !== undefined) {
        const max = (await contract.getFunction(bound.source.max).staticCall()) as bigint;
        expect(BigInt(bound.max), `${field} max = ${bound.source.contract}.${bound.source.max}`).to.equal(max);
      }
    }
  });
});
