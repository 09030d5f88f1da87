// At most one scan per composer is in flight at the host, plus the newest one waiting. A person
// typing faster than the host answers then costs one scan per reply, not one per keystroke, and
// texts that were overtaken before they were sent are never sent at all.

export const SUPERSEDED = Symbol('superseded');
export type Superseded = typeof SUPERSEDED;

interface Waiting<Req, Res> {
  req: Req;
  resolve(r: Res | Superseded): void;
  reject(e: unknown): void;
}

export class ScanCoalescer<Req, Res> {
  private readonly inFlight = new Set<string>();
  private readonly waiting = new Map<string, Waiting<Req, Res>>();

  constructor(private readonly run: (req: Req) => Promise<Res>) {}

  submit(key: string, req: Req): Promise<Res | Superseded> {
    return new Promise((resolve, reject) => {
      if (!this.inFlight.has(key)) {
        this.start(key, { req, resolve, reject });
        return;
      }
      this.waiting.get(key)?.resolve(SUPERSEDED);
      this.waiting.set(key, { req, resolve, reject });
    });
  }

  private start(key: string, job: Waiting<Req, Res>): void {
    this.inFlight.add(key);
    this.run(job.req)
      .then(job.resolve, job.reject)
      .finally(() => {
        this.inFlight.delete(key);
        const next = this.waiting.get(key);
        if (next) {
          this.waiting.delete(key);
          this.start(key, next);
        }
      });
  }
}
