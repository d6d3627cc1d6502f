export function freePorts(count: number): Promise<number[]>;
export function startRedisFleet(count: number, options?: { conf?: (i: number) => string }): Promise<{ ports: number[]; stop(): Promise<void> }>;
export function recordReplies(port: number, commands: readonly (readonly string[])[]): Promise<Map<string, Buffer>>;
export function startFakeFleet(count: number, replies: Map<string, Buffer>, options?: { silent?: number }): Promise<{ ports: number[]; stop(): Promise<void> }>;
