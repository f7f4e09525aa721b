// What the full Swift runtime provides and Embedded Swift leaves to the platform: linked into the
// release build of djinit only (Package.swift). Nothing to call from Swift.
#ifndef CDJINIT_EMBEDDED_H
#define CDJINIT_EMBEDDED_H
#endif
