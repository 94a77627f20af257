import { expect, test } from "bun:test";
import { encodeMasterInfo, ipv4ToMesosNumber, masterHostPort, masterInfoFor, mesosNumberToIpv4, parseMasterInfo } from "./master-info.ts";

test("Mesos's JSON form, with the ip packed little-endian", () => {
  const info = masterInfoFor({ id: "m1", ip: "127.0.0.1", port: 5050, hostname: "box", version: "1.11.0" });
  expect(info).toEqual({
    id: "m1",
    ip: 16777343,
    port: 5050,
    pid: "master@127.0.0.1:5050",
    hostname: "box",
    version: "1.11.0",
    address: { hostname: "box", ip: "127.0.0.1", port: 5050 },
  });
  expect(parseMasterInfo(encodeMasterInfo(info))).toEqual(info);
  expect(mesosNumberToIpv4(ipv4ToMesosNumber("10.1.2.3"))).toBe("10.1.2.3");
});

test("host:port from whichever fields a writer filled", () => {
  expect(masterHostPort({ id: "a", ip: 0, port: 5050, address: { ip: "10.0.0.2", hostname: "h", port: 5051 } })).toBe("10.0.0.2:5051");
  expect(masterHostPort({ id: "a", ip: ipv4ToMesosNumber("10.0.0.3"), port: 5050 })).toBe("10.0.0.3:5050");
  expect(masterHostPort({ id: "a", ip: 0, port: 5050, hostname: "m.example" })).toBe("m.example:5050");
  expect(masterHostPort({ id: "a", ip: 0, port: 0, pid: "master@10.0.0.4:5052" })).toBe("10.0.0.4:5052");
  expect(masterHostPort({ id: "a", ip: 0, port: 0 })).toBeUndefined();
});

test("unusable data is refused with a reason", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  expect(() => parseMasterInfo(bytes("{"))).toThrow("not JSON");
  expect(() => parseMasterInfo(bytes("[]"))).toThrow("not a JSON object");
  expect(() => parseMasterInfo(bytes('{"id":1,"ip":1,"port":1}'))).toThrow("MasterInfo.id");
  expect(() => parseMasterInfo(bytes('{"id":"x","ip":"1","port":1}'))).toThrow("MasterInfo.ip");
});
