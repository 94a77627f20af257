// Ids in Mesos form: the master id is a fresh uuid per master start; agents `<master>-S<n>`,
// frameworks `<master>-<nnnn>`, offers `<master>-O<n>`.

export class MasterIds {
  private agentCount = 0;
  private frameworkCount = 0;
  private offerCount = 0;

  constructor(readonly masterId: string) {}

  nextAgentId(): string {
    return `${this.masterId}-S${this.agentCount++}`;
  }

  nextFrameworkId(): string {
    return `${this.masterId}-${String(this.frameworkCount++).padStart(4, "0")}`;
  }

  nextOfferId(): string {
    return `${this.masterId}-O${this.offerCount++}`;
  }
}
