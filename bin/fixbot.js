#!/usr/bin/env node
// Loads the TypeScript entry through tsx (a runtime dependency) in this same process, so `npx fixbot` works
// without a build step and signals reach the real process.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
