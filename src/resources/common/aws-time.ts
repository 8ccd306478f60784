// The parser lives with parseTimeMs so that src/aws can use it without importing src/resources.
export { epochMs } from "../../time.js";
