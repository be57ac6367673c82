// Package duban is the domain of the 督办 bot: units (单位), supervision groups
// (督办组), people and their posts, tasks (任务) and the rules of their life cycle.
//
// It does no I/O. Time enters only as arguments, so every rule can be tested at
// any instant. The store, the WeCom channel, the conversation and the reminder
// planner live in their own packages and depend on this one, never the reverse.
package duban
