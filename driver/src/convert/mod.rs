//! Arrow values → C buffers (`SQLBindCol`, `SQLGetData`) and C buffers → SQL values
//! (`SQLBindParameter`): one conversion table shared by all three.
