//! AWS adapter: observe and change IAM, STS, Connect and Identity Center (not yet implemented).
