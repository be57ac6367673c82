// Package bot is duban's WeCom (企业微信) channel: the verified, decrypted and
// deduplicated callback that fills the durable inbox, the worker that turns
// inbox entries into replies through the conversation handlers, and the
// sender that drains the outbox to WeCom (or to the console) with token
// caching, rate limits, splitting and retries.
//
// Data flows one way, and each step is durable before the next depends on it:
//
//	WeCom ─POST─► Callback ─► store inbox ─► Worker ─► store outbox ─► Sender ─► Deliverer
//
// Only the sub-packages of github.com/silenceper/wechat/v2 that do no global
// set-up are imported (util); its root package switches logrus to debug.
package bot
