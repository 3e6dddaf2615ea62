/* Built as part of foo.c, which #includes it: the module's own code,
 * not an orphan. */
static int foo_selftest(void)
{
	schedule_work(&foo_work);
	flush_scheduled_work();
	return 0;
}
