// djinit example project script (served from STATIC_ROOT by whitenoise).
"use strict";
window.djinitExample = { loadedAt: new Date().toISOString() };
