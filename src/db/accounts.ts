// The account model under every contract, in two parts: organizations (with brands and members)
// and credentials (users, developer keys, bearer API keys). Importers use this one entry point.
export * from "./credentials";
export * from "./organizations";
