// The test agent's entry point.
#include "test_agent.h"

int main(int argc, char** argv)
{
    ocfkit::testagent::TestAgent agent;
    return ocfkit::run_agent(agent, argc, argv);
}
