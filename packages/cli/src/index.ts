/** @refractor/cli: The `refractor` command: score songs with the Refractor CDM. (Not built yet.) */
export {};
