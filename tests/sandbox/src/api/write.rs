//! Record value validation, normalisation, defaults and merge for writes (§4.3-§4.6, §8).
//! OWNER: records helper.
