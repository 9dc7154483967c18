export function pinnedInstalled(directory: string, pinned: Record<string, string>): boolean;
export function installPinned(directory: string, pinned: Record<string, string>, announce: (packages: string) => void): void;
