//! SQLGetInfo values, SQLGetFunctions, and the catalog functions' result sets.
